import Foundation

extension PebbleServer {
    /// An `Issuer` manifest of kind acme against this Pebble, for `keyward run` manifests and benchmarks: the account
    /// key Secret `pebble-account`, Pebble's TLS certificate as `caBundle`, and `solvers` given as the lines of the
    /// solver list (e.g. `["- http01:", "    webroot: /srv/www"]`), indented here under `solvers:`.
    public func issuerManifest(name: String = "pebble", namespace: String = "default", email: String = "ops@example.test",
                               solvers: [String]) -> String {
        let caBundle = String(decoding: tlsCertificatePEM, as: UTF8.self)
            .split(separator: "\n").map { "      \($0)" }.joined(separator: "\n")
        return """
            apiVersion: keyward.dev/v1alpha1
            kind: Issuer
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              acme:
                server: \(directoryURL.absoluteString)
                email: \(email)
                privateKeySecretRef:
                  name: pebble-account
                caBundle: |
            \(caBundle)
                solvers:
            \(solvers.map { "      \($0)" }.joined(separator: "\n"))

            """
    }
}
