import KubernetesClient

/// A kubeconfig resolved to a client configuration: YAML, base64 `*-data` fields, PEM inside them, references.
enum KubeconfigTarget {
    static func run(_ input: FuzzInput) {
        let text = input.text
        guard let kubeconfig = try? Kubeconfig.parse(text, file: "/nonexistent/kubeconfig") else { return }
        // File references resolve against the (missing) kubeconfig directory; device files are not configuration.
        guard !text.contains("/dev/"), !text.contains("/proc/"), !text.contains("/sys/") else { return }
        _ = try? kubeconfig.configuration()
    }
}
