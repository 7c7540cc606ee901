extension IssuerSpec.ACME {
    /// One way of proving control of names: exactly one of ``http01`` or ``dns01``, for the names its ``selector``
    /// picks (cert-manager's rules: a `dnsNames` match wins over the longest `dnsZones` match, which wins over a
    /// solver without selector; a wildcard name needs DNS-01).
    public struct Solver: Codable, Sendable, Hashable {
        public var selector: Selector?
        public var http01: HTTP01?
        public var dns01: DNS01?

        public init(selector: Selector? = nil, http01: HTTP01? = nil, dns01: DNS01? = nil) {
            self.selector = selector
            self.http01 = http01
            self.dns01 = dns01
        }

        public struct Selector: Codable, Sendable, Hashable {
            /// Exact names (as in the Certificate's dnsNames, `*.` included) this solver is for.
            public var dnsNames: [String]
            /// Zones: the solver is for every name equal to or below one of them.
            public var dnsZones: [String]

            public init(dnsNames: [String] = [], dnsZones: [String] = []) {
                self.dnsNames = dnsNames
                self.dnsZones = dnsZones
            }

            enum CodingKeys: String, CodingKey { case dnsNames, dnsZones }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                dnsNames = try c.decode(.dnsNames, or: [])
                dnsZones = try c.decode(.dnsZones, or: [])
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeUnlessEmpty(dnsNames, forKey: .dnsNames)
                try c.encodeUnlessEmpty(dnsZones, forKey: .dnsZones)
            }
        }
    }

    /// HTTP-01: the CA fetches `http://<name>/.well-known/acme-challenge/<token>`. In a cluster exactly one of
    /// ``ingress`` or ``gatewayHTTPRoute`` routes it to the controller's challenge listener; standalone, exactly one
    /// of ``listen`` (Keyward's own listener) or ``webroot`` (a folder an existing web server serves).
    public struct HTTP01: Codable, Sendable, Hashable {
        public var ingress: Ingress?
        public var gatewayHTTPRoute: GatewayHTTPRoute?
        /// Standalone: the address Keyward listens on while a challenge is pending, e.g. `:80`.
        public var listen: String?
        /// Standalone: the folder served as the web server's document root; the token file goes to
        /// `<webroot>/.well-known/acme-challenge/<token>` and is removed afterwards.
        public var webroot: String?

        public init(ingress: Ingress? = nil, gatewayHTTPRoute: GatewayHTTPRoute? = nil, listen: String? = nil,
                    webroot: String? = nil) {
            self.ingress = ingress
            self.gatewayHTTPRoute = gatewayHTTPRoute
            self.listen = listen
            self.webroot = webroot
        }

        /// An Ingress per challenge with this class, or an existing Ingress (``name``) patched with the path.
        public struct Ingress: Codable, Sendable, Hashable {
            public var ingressClassName: String?
            public var name: String?

            public init(ingressClassName: String? = nil, name: String? = nil) {
                self.ingressClassName = ingressClassName
                self.name = name
            }
        }

        /// A Gateway API HTTPRoute per challenge, attached to these parents.
        public struct GatewayHTTPRoute: Codable, Sendable, Hashable {
            public var parentRefs: [ParentReference]

            public init(parentRefs: [ParentReference] = []) { self.parentRefs = parentRefs }

            enum CodingKeys: String, CodingKey { case parentRefs }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                parentRefs = try c.decode(.parentRefs, or: [])
            }

            /// A Gateway (by default) the route attaches to.
            public struct ParentReference: Codable, Sendable, Hashable {
                public var name: String
                public var namespace: String?
                public var sectionName: String?
                public var group: String?
                public var kind: String?

                public init(name: String, namespace: String? = nil, sectionName: String? = nil, group: String? = nil,
                            kind: String? = nil) {
                    self.name = name
                    self.namespace = namespace
                    self.sectionName = sectionName
                    self.group = group
                    self.kind = kind
                }

                enum CodingKeys: String, CodingKey { case name, namespace, sectionName, group, kind }

                public init(from decoder: any Decoder) throws {
                    let c = try decoder.container(keyedBy: CodingKeys.self)
                    name = try c.decode(.name, or: "")
                    namespace = try c.decodeIfPresent(.namespace)
                    sectionName = try c.decodeIfPresent(.sectionName)
                    group = try c.decodeIfPresent(.group)
                    kind = try c.decodeIfPresent(.kind)
                }
            }
        }
    }

    /// DNS-01: a TXT record at `_acme-challenge.<name>`.
    public struct DNS01: Codable, Sendable, Hashable {
        public var rfc2136: RFC2136?

        public init(rfc2136: RFC2136? = nil) { self.rfc2136 = rfc2136 }

        /// RFC 2136 dynamic updates signed with TSIG (BIND, Knot, PowerDNS).
        public struct RFC2136: Codable, Sendable, Hashable {
            /// `host:port` (port 53 when omitted) of the primary that accepts updates.
            public var nameserver: String
            public var tsigKeyName: String?
            /// The TSIG secret (base64), in `secret` unless the selector names another key.
            public var tsigSecretSecretRef: SecretKeySelector?
            /// Only `HMACSHA256` (the default).
            public var tsigAlgorithm: String?

            public static let hmacSHA256 = "HMACSHA256"

            public init(nameserver: String, tsigKeyName: String? = nil, tsigSecretSecretRef: SecretKeySelector? = nil,
                        tsigAlgorithm: String? = nil) {
                self.nameserver = nameserver
                self.tsigKeyName = tsigKeyName
                self.tsigSecretSecretRef = tsigSecretSecretRef
                self.tsigAlgorithm = tsigAlgorithm
            }

            enum CodingKeys: String, CodingKey { case nameserver, tsigKeyName, tsigSecretSecretRef, tsigAlgorithm }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                nameserver = try c.decode(.nameserver, or: "")
                tsigKeyName = try c.decodeIfPresent(.tsigKeyName)
                tsigSecretSecretRef = try c.decodeIfPresent(.tsigSecretSecretRef)
                tsigAlgorithm = try c.decodeIfPresent(.tsigAlgorithm)
            }
        }
    }
}
