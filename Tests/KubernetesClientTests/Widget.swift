import Foundation
import KubernetesClient

/// The test CRD's model.
struct Widget: HasStatusSubresource, Hashable {
    static let group = "example.dev"
    static let version = "v1"
    static let kind = "Widget"
    static let plural = "widgets"
    static let isNamespaced = true

    struct Spec: Codable, Sendable, Hashable {
        var size: Int
        var color: String?
        var duration: String?
    }
    struct Status: Codable, Sendable, Hashable {
        var phase: String?
        var conditions: [Condition]?
    }

    var metadata: ObjectMeta
    var spec: Spec
    var status: Status?

    init(name: String, namespace: String = "default", size: Int, labels: [String: String] = [:]) {
        metadata = ObjectMeta(name: name, namespace: namespace, labels: labels)
        spec = Spec(size: size)
    }
}
