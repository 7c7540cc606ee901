import Foundation

/// Why an informer gave up before its first sync.
public enum InformerStartupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The API server answered 404 to the first list: the resource is not served (its CustomResourceDefinition is
    /// not installed, or the group/version is not served). `detail` is the server's answer.
    case resourceNotServed(resource: String, detail: String)

    public var description: String {
        switch self {
        case .resourceNotServed(let resource, let detail):
            "the API server does not serve \(resource) (\(detail)): install the CustomResourceDefinitions first "
                + "(kubectl apply -f crds/), or point --kubeconfig/--context at the cluster that has them"
        }
    }
}
