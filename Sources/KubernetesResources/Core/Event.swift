import Foundation
import KubernetesClient

/// core/v1 Event (the form `kubectl describe` shows). Repeats are aggregated by the recorder through `count`.
public struct Event: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Event"
    public static let plural = "events"
    public static let isNamespaced = true

    public enum EventType: String, Codable, Sendable { case normal = "Normal", warning = "Warning" }

    public struct ObjectReference: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var kind: String?
        public var name: String?
        public var namespace: String?
        public var uid: String?
        public var resourceVersion: String?
        public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil,
                    uid: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.namespace = namespace
            self.uid = uid
        }
    }

    public struct Source: Codable, Sendable, Hashable {
        public var component: String?
        public var host: String?
        public init(component: String? = nil, host: String? = nil) {
            self.component = component
            self.host = host
        }
    }

    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    public var type: EventType?
    public var count: Int?
    public var firstTimestamp: Date?
    public var lastTimestamp: Date?
    public var source: Source?
    public var reportingComponent: String?

    public init(metadata: ObjectMeta, involvedObject: ObjectReference, reason: String, message: String,
                type: EventType, count: Int = 1, firstTimestamp: Date, lastTimestamp: Date, source: Source) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.source = source
        self.reportingComponent = source.component
    }
}
