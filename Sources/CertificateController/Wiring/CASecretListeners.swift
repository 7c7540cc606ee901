import ControllerRuntime

/// Who wants to hear that a Secret that may hold a CA pair changed: the Issuer and ClusterIssuer controllers, for the
/// issuers naming it. Told by the Secret informer (changes made elsewhere) and by the Certificate fan-out (a CA this
/// replica re-issued, whose own write raises no informer event).
actor CASecretListeners {
    typealias Listener = @Sendable (_ namespace: String?, _ name: String) async -> Void
    private var listeners: [Listener] = []

    func add(_ listener: @escaping Listener) { listeners.append(listener) }

    func changed(namespace: String?, name: String) async {
        for listener in listeners { await listener(namespace, name) }
    }
}
