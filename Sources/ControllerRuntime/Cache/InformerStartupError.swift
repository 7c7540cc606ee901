import Foundation

/// Why an informer gave up before its first sync.
public enum InformerStartupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The API server answered 404 to the first list: the resource is not served (its CustomResourceDefinition is
    /// not installed, or the group/version is not served). `detail` is the server's answer.
    case resourceNotServed(resource: String, detail: String)
    /// The API server answered 401 or 403 to every list before the first sync: the controller's credentials are
    /// wrong or its ServiceAccount lacks the RBAC to list and watch the resource there.
    case accessDenied(resource: String, scope: String, detail: String)

    public var description: String {
        switch self {
        case .resourceNotServed(let resource, let detail):
            "the API server does not serve \(resource) (\(detail)): install the CustomResourceDefinitions first "
                + "(kubectl apply -f crds/), or point --kubeconfig/--context at the cluster that has them"
        case .accessDenied(let resource, let scope, let detail):
            "the API server refuses to list \(resource) in \(scope) (\(detail)): grant the controller's ServiceAccount "
                + "list and watch on it (kubectl apply -f manifests/ or the chart's RBAC; with --namespaces, a Role in each "
                + "namespace), or check --kubeconfig/--context"
        }
    }
}
