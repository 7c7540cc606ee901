import Foundation
import KeywardCore
import KubernetesClient

/// core/v1 Secret. `data` is decoded from base64; `stringData` is write-only (the server merges it into `data`).
public struct Secret: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Secret"
    public static let plural = "secrets"
    public static let isNamespaced = true

    public static let tlsType = "kubernetes.io/tls"
    public static let opaqueType = "Opaque"

    public var metadata: ObjectMeta
    public var type: String
    public var data: [String: Data]
    public var immutable: Bool?
    public var unknownFields: JSONObject = [:]

    public init(metadata: ObjectMeta, type: String = Secret.opaqueType, data: [String: Data] = [:]) {
        self.metadata = metadata
        self.type = type
        self.data = data
    }

    /// A value as UTF-8 text.
    public func string(_ key: String) -> String? { data[key].map { String(decoding: $0, as: UTF8.self) } }

    enum CodingKeys: String, CodingKey, CaseIterable { case metadata, type, data, immutable, apiVersion, kind, stringData }
    private static let knownKeys = Set(CodingKeys.allCases.map(\.stringValue))

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? Secret.opaqueType
        data = try c.decodeIfPresent([String: Data].self, forKey: .data) ?? [:]
        immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
        unknownFields = try UnknownFields.decode(from: decoder, excluding: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(type, forKey: .type)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(immutable, forKey: .immutable)
        try UnknownFields.encode(unknownFields, to: encoder)
    }
}

/// core/v1 ConfigMap.
public struct ConfigMap: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "ConfigMap"
    public static let plural = "configmaps"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var binaryData: [String: Data]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil, binaryData: [String: Data]? = nil) {
        self.metadata = metadata
        self.data = data
        self.binaryData = binaryData
    }
}

/// core/v1 Namespace.
public struct Namespace: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Namespace"
    public static let plural = "namespaces"
    public static let isNamespaced = false

    public var metadata: ObjectMeta
    public init(name: String) { metadata = ObjectMeta(name: name) }
}
