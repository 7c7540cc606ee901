import Foundation
import KubernetesClient

/// gateway.networking.k8s.io/v1 HTTPRoute (Gateway API): the fields the ACME HTTP-01 solver writes — the Gateways
/// it attaches to, a hostname, one path match and a Service backend.
public struct HTTPRoute: KubernetesResource, Hashable {
    public static let group = "gateway.networking.k8s.io"
    public static let version = "v1"
    public static let kind = "HTTPRoute"
    public static let plural = "httproutes"
    public static let isNamespaced = true

    /// A Gateway (or a listener of one) the route attaches to.
    public struct ParentReference: Codable, Sendable, Hashable {
        public var group: String?
        public var kind: String?
        public var namespace: String?
        public var name: String
        public var sectionName: String?
        public var port: Int?

        public init(group: String? = nil, kind: String? = nil, namespace: String? = nil, name: String,
                    sectionName: String? = nil, port: Int? = nil) {
            self.group = group
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.sectionName = sectionName
            self.port = port
        }
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var parentRefs: [ParentReference]?
        public var hostnames: [String]?
        public var rules: [Rule]?

        public init(parentRefs: [ParentReference]? = nil, hostnames: [String]? = nil, rules: [Rule]? = nil) {
            self.parentRefs = parentRefs
            self.hostnames = hostnames
            self.rules = rules
        }
    }

    public struct Rule: Codable, Sendable, Hashable {
        public var matches: [Match]?
        public var backendRefs: [BackendRef]?

        public init(matches: [Match]? = nil, backendRefs: [BackendRef]? = nil) {
            self.matches = matches
            self.backendRefs = backendRefs
        }
    }

    public struct Match: Codable, Sendable, Hashable {
        public var path: PathMatch?
        public init(path: PathMatch?) { self.path = path }
    }

    public struct PathMatch: Codable, Sendable, Hashable {
        /// `Exact`, `PathPrefix` or `RegularExpression`.
        public var type: String
        public var value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    /// A Service (the default kind) and its port.
    public struct BackendRef: Codable, Sendable, Hashable {
        public var name: String
        public var namespace: String?
        public var port: Int?

        public init(name: String, namespace: String? = nil, port: Int?) {
            self.name = name
            self.namespace = namespace
            self.port = port
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
