/// The Kubernetes request verbs (what RBAC and audit logs call them).
public enum Verb: String, Sendable, Hashable, Codable, CaseIterable {
    case get, list, watch, create, update, patch, delete, deletecollection

    /// Verbs that change stored state.
    public var isMutating: Bool {
        switch self {
        case .create, .update, .patch, .delete, .deletecollection: true
        case .get, .list, .watch: false
        }
    }
}
