import Foundation

/// metav1.Status: the body of every API failure.
public struct APIStatus: Codable, Sendable, Hashable {
    public struct Cause: Codable, Sendable, Hashable {
        public var reason: String?
        public var message: String?
        public var field: String?
        public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public struct Details: Codable, Sendable, Hashable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        public var retryAfterSeconds: Int?
    }

    public var status: String?
    public var message: String?
    public var reason: String?
    public var details: Details?
    public var code: Int?

    public init(code: Int, reason: String? = nil, message: String? = nil) {
        self.status = "Failure"
        self.code = code
        self.reason = reason
        self.message = message
    }
}
