/// A bounded read found an object larger than its bound (``KubernetesClient/get(_:name:namespace:maxBytes:)``); the
/// read stopped at the bound, so no more than that was ever held.
public struct ResponseTooLarge: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: String
    public var key: String
    public var limit: Int

    public var description: String {
        "\(kind) \(key) is over the \(limit)-byte limit for objects Keyward reads"
    }
}
