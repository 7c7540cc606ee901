import Foundation
import KubernetesClient

/// networking.k8s.io/v1 Ingress. The spec is complete for v1 (class, default backend, TLS, rules), so an Ingress
/// Keyward did not create can be read, given one more path (the ACME HTTP-01 solver's) and written back without
/// losing anything; status is the controller's and never written here.
public struct Ingress: KubernetesResource, Hashable {
    public static let group = "networking.k8s.io"
    public static let version = "v1"
    public static let kind = "Ingress"
    public static let plural = "ingresses"
    public static let isNamespaced = true

    public struct Spec: Codable, Sendable, Hashable {
        public var ingressClassName: String?
        public var defaultBackend: Backend?
        public var tls: [TLS]?
        public var rules: [Rule]?

        public init(ingressClassName: String? = nil, defaultBackend: Backend? = nil, tls: [TLS]? = nil, rules: [Rule]? = nil) {
            self.ingressClassName = ingressClassName
            self.defaultBackend = defaultBackend
            self.tls = tls
            self.rules = rules
        }
    }

    public struct TLS: Codable, Sendable, Hashable {
        public var hosts: [String]?
        public var secretName: String?

        public init(hosts: [String]? = nil, secretName: String? = nil) {
            self.hosts = hosts
            self.secretName = secretName
        }
    }

    public struct Rule: Codable, Sendable, Hashable {
        public var host: String?
        public var http: HTTPRuleValue?

        public init(host: String? = nil, http: HTTPRuleValue? = nil) {
            self.host = host
            self.http = http
        }
    }

    public struct HTTPRuleValue: Codable, Sendable, Hashable {
        public var paths: [Path]
        public init(paths: [Path]) { self.paths = paths }
    }

    public struct Path: Codable, Sendable, Hashable {
        /// `Exact`, `Prefix` or `ImplementationSpecific`.
        public var pathType: String
        public var path: String?
        public var backend: Backend

        public init(pathType: String, path: String?, backend: Backend) {
            self.pathType = pathType
            self.path = path
            self.backend = backend
        }
    }

    /// Exactly one of a Service or another resource (`apiGroup`, `kind`, `name`).
    public struct Backend: Codable, Sendable, Hashable {
        public var service: ServiceBackend?
        public var resource: ResourceReference?

        public init(service: ServiceBackend?, resource: ResourceReference? = nil) {
            self.service = service
            self.resource = resource
        }
    }

    public struct ResourceReference: Codable, Sendable, Hashable {
        public var apiGroup: String?
        public var kind: String
        public var name: String

        public init(apiGroup: String? = nil, kind: String, name: String) {
            self.apiGroup = apiGroup
            self.kind = kind
            self.name = name
        }
    }

    public struct ServiceBackend: Codable, Sendable, Hashable {
        public var name: String
        public var port: ServicePort

        public init(name: String, port: ServicePort) {
            self.name = name
            self.port = port
        }
    }

    /// Exactly one of `name` and `number`.
    public struct ServicePort: Codable, Sendable, Hashable {
        public var name: String?
        public var number: Int?

        public init(name: String? = nil, number: Int? = nil) {
            self.name = name
            self.number = number
        }
    }

    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case metadata, spec }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(Spec.self, forKey: .spec) ?? Spec()
    }
}
