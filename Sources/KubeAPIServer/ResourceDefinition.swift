import Foundation
import KeywardCore

/// The kinds whose server-side behaviour differs; everything from a CRD is `.custom`.
enum ResourceBehavior: Sendable, Equatable {
    case namespace, secret, configMap, event, serviceAccount, lease
    case deployment, statefulSet, daemonSet
    case job
    case ingress, httpRoute
    case customResourceDefinition
    case custom
}

/// One additionalPrinterColumn (or a built-in table column).
struct PrinterColumn: Sendable, Equatable {
    var name: String
    var type: String
    var format: String = ""
    var description: String = ""
    var priority: Int = 0
    var jsonPath: JSONPathExpression?
}

/// Everything the server knows about one resource: names for paths and discovery, and how it behaves.
struct ResourceDefinition: Sendable {
    var group: String
    /// Served versions, preferred first.
    var versions: [String]
    var storageVersion: String
    var plural: String
    var singular: String
    var kind: String
    var listKind: String
    var namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    var statusSubresource: Bool = false
    var behavior: ResourceBehavior
    /// Per served version (custom resources only).
    var schemas: [String: StructuralSchema] = [:]
    /// Per served version (custom resources only; built-ins print their own columns).
    var printerColumns: [String: [PrinterColumn]] = [:]
    /// Extra field selectors (`spec.selectableFields`) per version.
    var selectableFields: [String: [String: JSONPathExpression]] = [:]

    var key: String { "\(group)/\(plural)" }
    var isCustom: Bool { behavior == .custom }
    var groupResource: GroupResource { GroupResource(group: group, resource: plural) }
    var groupKind: GroupKind { GroupKind(group: group, kind: kind) }

    func apiVersion(_ version: String) -> String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Only objects with a spec/status split keep `metadata.generation` (matching the real registry strategies).
    var tracksGeneration: Bool {
        switch behavior {
        case .deployment, .statefulSet, .daemonSet, .job, .ingress, .httpRoute, .customResourceDefinition, .custom: true
        default: false
        }
    }

    /// Custom resources must send `metadata.resourceVersion` on PUT; built-ins allow unconditional updates.
    var allowsUnconditionalUpdate: Bool { !isCustom }

    /// Strategic merge patch needs Go struct tags, which custom resources do not have.
    var supportsStrategicMergePatch: Bool { !isCustom }

    /// DELETE of a custom resource answers with the deleted object; built-ins answer with a Success Status.
    var returnsDeletedObject: Bool { isCustom }

    var verbs: [String] {
        switch behavior {
        default: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        }
    }
}

/// Kubernetes' version ordering: GA before beta before alpha, higher numbers first, then anything else.
enum KubeVersionOrder {
    static func sorted(_ versions: [String]) -> [String] {
        versions.sorted { a, b in
            let ka = key(a), kb = key(b)
            return ka != kb ? ka.lexicographicallyPrecedes(kb) : a < b
        }
    }

    private static func key(_ v: String) -> [Int] {
        // Lower sorts first: [stability rank, -major, -minor]
        let pattern = #"^v(\d+)(?:(alpha|beta)(\d+))?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: v, range: NSRange(v.startIndex..., in: v))
        else { return [3, 0, 0] }
        func group(_ i: Int) -> String? {
            guard let r = Range(m.range(at: i), in: v) else { return nil }
            return String(v[r])
        }
        let major = Int(group(1) ?? "0") ?? 0
        switch group(2) {
        case "beta": return [1, -major, -(Int(group(3) ?? "0") ?? 0)]
        case "alpha": return [2, -major, -(Int(group(3) ?? "0") ?? 0)]
        default: return [0, -major, 0]
        }
    }
}

enum BuiltinResources {
    static let all: [ResourceDefinition] = [
        ResourceDefinition(group: "", versions: ["v1"], storageVersion: "v1", plural: "namespaces", singular: "namespace",
                           kind: "Namespace", listKind: "NamespaceList", namespaced: false, shortNames: ["ns"],
                           statusSubresource: true, behavior: .namespace),
        ResourceDefinition(group: "", versions: ["v1"], storageVersion: "v1", plural: "secrets", singular: "secret",
                           kind: "Secret", listKind: "SecretList", namespaced: true, behavior: .secret),
        ResourceDefinition(group: "", versions: ["v1"], storageVersion: "v1", plural: "configmaps", singular: "configmap",
                           kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, shortNames: ["cm"],
                           behavior: .configMap),
        ResourceDefinition(group: "", versions: ["v1"], storageVersion: "v1", plural: "events", singular: "event",
                           kind: "Event", listKind: "EventList", namespaced: true, shortNames: ["ev"], behavior: .event),
        // Stored apart from core/v1 Events (the real server converts between the two representations).
        ResourceDefinition(group: "events.k8s.io", versions: ["v1"], storageVersion: "v1", plural: "events",
                           singular: "event", kind: "Event", listKind: "EventList", namespaced: true, shortNames: ["ev"],
                           behavior: .event),
        ResourceDefinition(group: "", versions: ["v1"], storageVersion: "v1", plural: "serviceaccounts",
                           singular: "serviceaccount", kind: "ServiceAccount", listKind: "ServiceAccountList",
                           namespaced: true, shortNames: ["sa"], behavior: .serviceAccount),
        ResourceDefinition(group: "coordination.k8s.io", versions: ["v1"], storageVersion: "v1", plural: "leases",
                           singular: "lease", kind: "Lease", listKind: "LeaseList", namespaced: true, behavior: .lease),
        ResourceDefinition(group: "apps", versions: ["v1"], storageVersion: "v1", plural: "deployments",
                           singular: "deployment", kind: "Deployment", listKind: "DeploymentList", namespaced: true,
                           shortNames: ["deploy"], categories: ["all"], statusSubresource: true, behavior: .deployment),
        ResourceDefinition(group: "apps", versions: ["v1"], storageVersion: "v1", plural: "statefulsets",
                           singular: "statefulset", kind: "StatefulSet", listKind: "StatefulSetList", namespaced: true,
                           shortNames: ["sts"], categories: ["all"], statusSubresource: true, behavior: .statefulSet),
        ResourceDefinition(group: "apps", versions: ["v1"], storageVersion: "v1", plural: "daemonsets",
                           singular: "daemonset", kind: "DaemonSet", listKind: "DaemonSetList", namespaced: true,
                           shortNames: ["ds"], categories: ["all"], statusSubresource: true, behavior: .daemonSet),
        // No Job controller runs: tests play it by writing status (PATCH .../status, or /_keyward/jobs/...).
        ResourceDefinition(group: "batch", versions: ["v1"], storageVersion: "v1", plural: "jobs", singular: "job",
                           kind: "Job", listKind: "JobList", namespaced: true, categories: ["all"],
                           statusSubresource: true, behavior: .job),
        // Routes the HTTP-01 solver creates; no ingress or gateway controller runs, so status stays as written.
        ResourceDefinition(group: "networking.k8s.io", versions: ["v1"], storageVersion: "v1", plural: "ingresses",
                           singular: "ingress", kind: "Ingress", listKind: "IngressList", namespaced: true,
                           shortNames: ["ing"], statusSubresource: true, behavior: .ingress),
        // A CRD in real clusters (Gateway API), served here as if that CRD were installed.
        ResourceDefinition(group: "gateway.networking.k8s.io", versions: ["v1"], storageVersion: "v1",
                           plural: "httproutes", singular: "httproute", kind: "HTTPRoute", listKind: "HTTPRouteList",
                           namespaced: true, categories: ["gateway-api"], statusSubresource: true, behavior: .httpRoute),
        ResourceDefinition(group: "apiextensions.k8s.io", versions: ["v1"], storageVersion: "v1",
                           plural: "customresourcedefinitions", singular: "customresourcedefinition",
                           kind: "CustomResourceDefinition", listKind: "CustomResourceDefinitionList", namespaced: false,
                           shortNames: ["crd", "crds"], categories: ["api-extensions"], statusSubresource: true,
                           behavior: .customResourceDefinition),
    ]

    /// Namespaces every cluster starts with.
    static let initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
}
