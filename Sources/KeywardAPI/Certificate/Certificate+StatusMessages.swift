import KubernetesClient

extension Certificate {
    /// Condition messages and `lastError`: the status text built from error descriptions.
    public mutating func transformStatusMessages(_ transform: (String) -> String) {
        guard var status else { return }
        for index in status.conditions.indices { status.conditions[index].message = transform(status.conditions[index].message) }
        status.lastError = status.lastError.map(transform)
        if let message = status.pendingRequest?.message { status.pendingRequest?.message = transform(message) }
        self.status = status
    }
}
