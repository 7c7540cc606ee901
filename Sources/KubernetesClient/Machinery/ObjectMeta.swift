import KeywardCore
import Foundation

/// metav1.ObjectMeta. Fields the server manages but Keyward never reads (managedFields, selfLink, …) are kept in
/// ``unknownFields`` so a read-modify-write round trip sends them back unchanged.
public struct ObjectMeta: Sendable, Hashable {
    public var name: String
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    /// Opaque: compare for equality only, never numerically.
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: Date?
    public var deletionTimestamp: Date?
    public var deletionGracePeriodSeconds: Int64?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var finalizers: [String]
    public var ownerReferences: [OwnerReference]
    public var unknownFields: JSONObject

    public init(name: String = "", namespace: String? = nil, labels: [String: String] = [:],
                annotations: [String: String] = [:], ownerReferences: [OwnerReference] = [], finalizers: [String] = []) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.finalizers = finalizers
        self.ownerReferences = ownerReferences
        self.unknownFields = [:]
    }

    /// `namespace/name`, the key work queues and logs use.
    public var key: String { namespace.map { "\($0)/\(name)" } ?? name }

    public var isBeingDeleted: Bool { deletionTimestamp != nil }
}

extension ObjectMeta: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp
        case deletionGracePeriodSeconds, labels, annotations, finalizers, ownerReferences
    }

    private static let knownKeys = Set(CodingKeys.allCases.map(\.stringValue))

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        generateName = try c.decodeIfPresent(String.self, forKey: .generateName)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        uid = try c.decodeIfPresent(String.self, forKey: .uid)
        resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        generation = try c.decodeIfPresent(Int64.self, forKey: .generation)
        creationTimestamp = try c.decodeIfPresent(Date.self, forKey: .creationTimestamp)
        deletionTimestamp = try c.decodeIfPresent(Date.self, forKey: .deletionTimestamp)
        deletionGracePeriodSeconds = try c.decodeIfPresent(Int64.self, forKey: .deletionGracePeriodSeconds)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        finalizers = try c.decodeIfPresent([String].self, forKey: .finalizers) ?? []
        ownerReferences = try c.decodeIfPresent([OwnerReference].self, forKey: .ownerReferences) ?? []
        unknownFields = try UnknownFields.decode(from: decoder, excluding: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !name.isEmpty { try c.encode(name, forKey: .name) }
        try c.encodeIfPresent(generateName, forKey: .generateName)
        try c.encodeIfPresent(namespace, forKey: .namespace)
        try c.encodeIfPresent(uid, forKey: .uid)
        try c.encodeIfPresent(resourceVersion, forKey: .resourceVersion)
        try c.encodeIfPresent(generation, forKey: .generation)
        try c.encodeIfPresent(creationTimestamp, forKey: .creationTimestamp)
        try c.encodeIfPresent(deletionTimestamp, forKey: .deletionTimestamp)
        try c.encodeIfPresent(deletionGracePeriodSeconds, forKey: .deletionGracePeriodSeconds)
        if !labels.isEmpty { try c.encode(labels, forKey: .labels) }
        if !annotations.isEmpty { try c.encode(annotations, forKey: .annotations) }
        if !finalizers.isEmpty { try c.encode(finalizers, forKey: .finalizers) }
        if !ownerReferences.isEmpty { try c.encode(ownerReferences, forKey: .ownerReferences) }
        try UnknownFields.encode(unknownFields, to: encoder)
    }
}

/// Helpers for models that keep fields they do not model.
public enum UnknownFields {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Every key of the decoder's object that is not in `known`, as JSON.
    public static func decode(from decoder: any Decoder, excluding known: Set<String>) throws -> JSONObject {
        let c = try decoder.container(keyedBy: AnyKey.self)
        var result: JSONObject = [:]
        for key in c.allKeys where !known.contains(key.stringValue) {
            result[key.stringValue] = try c.decode(JSONValue.self, forKey: key)
        }
        return result
    }

    /// Writes `fields` into the encoder's current object (alongside the modelled keys).
    public static func encode(_ fields: JSONObject, to encoder: any Encoder) throws {
        guard !fields.isEmpty else { return }
        var c = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in fields { try c.encode(value, forKey: AnyKey(stringValue: key)) }
    }
}
