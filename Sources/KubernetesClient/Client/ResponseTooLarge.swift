/// A bounded read found an object larger than its bound (``KubernetesClient/get(_:name:namespace:maxBytes:)``).
public struct ResponseTooLarge: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: String
    public var key: String
    public var bytes: Int
    public var limit: Int

    public var description: String {
        "\(kind) \(key) is \(bytes) bytes, over the \(limit)-byte limit for objects Keyward reads"
    }
}
