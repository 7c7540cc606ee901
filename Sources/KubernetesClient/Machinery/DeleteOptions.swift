import KeywardCore
import Foundation

/// metav1.DeleteOptions.
public struct DeleteOptions: Codable, Sendable, Hashable {
    public enum PropagationPolicy: String, Codable, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }
    public struct Preconditions: Codable, Sendable, Hashable {
        public var uid: String?
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }

    public var propagationPolicy: PropagationPolicy?
    public var preconditions: Preconditions?
    public var gracePeriodSeconds: Int64?

    public init(propagationPolicy: PropagationPolicy? = nil, preconditions: Preconditions? = nil,
                gracePeriodSeconds: Int64? = nil) {
        self.propagationPolicy = propagationPolicy
        self.preconditions = preconditions
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}

/// List and watch query options.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var `continue`: String?
    public var resourceVersion: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continue: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continue = `continue`
        self.resourceVersion = resourceVersion
    }
}

public struct WatchOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Start after this version; `nil` or "0" starts with synthetic ADDED events for current objects.
    public var resourceVersion: String?
    public var allowBookmarks: Bool
    /// Server-side timeout; the stream then ends normally and the caller resumes from its last version.
    public var timeoutSeconds: Int

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                allowBookmarks: Bool = true, timeoutSeconds: Int = 300) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A patch body and its media type.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch.
    case merge(JSONValue)
    /// RFC 6902 JSON patch (an array of operations).
    case json(JSONValue)

    public var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        }
    }

    public var body: JSONValue {
        switch self {
        case .merge(let v), .json(let v): v
        }
    }
}
