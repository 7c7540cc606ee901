import Foundation
import KeywardCore
import KubernetesClient
import Testing

/// A real CA certificate in PEM, base64'd the way kubeconfigs carry it.
private let samplePEM = """
    -----BEGIN CERTIFICATE-----
    MIIBdzCCAR2gAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0czAKBggqhkjOPQQDAjAR
    -----END CERTIFICATE-----

    """
private let sampleKeyPEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
private func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

private func kubeconfig(cluster: String, user: String, context: String = "ctx", namespace: String = "team-a",
                        extraContexts: String = "") -> String {
    """
    apiVersion: v1
    kind: Config
    current-context: \(context)
    clusters:
    - name: c1
      cluster:
    \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    users:
    - name: u1
      user:
    \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    contexts:
    - name: ctx
      context: {cluster: c1, user: u1, namespace: \(namespace)}
    \(extraContexts)
    """
}

@Suite struct KubeconfigTests {
    @Test func tokenAndCertificateAuthorityData() throws {
        let text = kubeconfig(cluster: "server: https://10.0.0.1:6443\ncertificate-authority-data: \(b64(samplePEM))",
                              user: "token: abc.def")
        let config = try Kubeconfig.parse(text, file: "/k/config").configuration()
        #expect(config.server.absoluteString == "https://10.0.0.1:6443")
        #expect(config.credentials == .token("abc.def"))
        #expect(config.tls.caPEM == Data(samplePEM.utf8))
        #expect(config.tls.insecureSkipVerify == false)
        #expect(config.namespace == "team-a")
    }

    @Test func filesResolveRelativeToTheKubeconfig() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("ca.crt", samplePEM)
        _ = try dir.write("client.crt", samplePEM)
        _ = try dir.write("client.key", sampleKeyPEM)
        _ = try dir.write("token", "file-token\n")
        let path = try dir.write("config", kubeconfig(
            cluster: "server: https://h:1\ncertificate-authority: ca.crt",
            user: "tokenFile: token\nclient-certificate: client.crt\nclient-key: client.key"))
        let config = try ClientConfiguration.load(kubeconfig: path, environment: [:])
        #expect(config.tls.caPEM == Data(samplePEM.utf8))
        #expect(config.tls.clientCertificatePEM == Data(samplePEM.utf8))
        #expect(config.tls.clientKeyPEM == Data(sampleKeyPEM.utf8))
        #expect(config.credentials == .tokenFile(path: dir.url.appendingPathComponent("token").path, refreshInterval: 60))
    }

    @Test func clientCertificateDataAndInsecureFlag() throws {
        let text = kubeconfig(cluster: "server: https://h:1\ninsecure-skip-tls-verify: true",
                              user: "client-certificate-data: \(b64(samplePEM))\nclient-key-data: \(b64(sampleKeyPEM))")
        let config = try Kubeconfig.parse(text, file: "mem").configuration()
        #expect(config.tls.insecureSkipVerify)
        #expect(config.tls.clientCertificatePEM == Data(samplePEM.utf8))
        #expect(config.credentials == .none)
    }

    @Test func severalFilesMergeFirstWins() throws {
        let dir = try TemporaryDirectory()
        let first = try dir.write("a", """
            current-context: second
            clusters:
            - name: c1
              cluster: {server: "https://first:1"}
            users: []
            contexts: []
            """)
        let second = try dir.write("b", """
            current-context: ignored
            clusters:
            - name: c1
              cluster: {server: "https://shadowed:1"}
            - name: c2
              cluster: {server: "https://second:2"}
            users:
            - name: u
              user: {token: t2}
            contexts:
            - name: second
              context: {cluster: c1, user: u}
            - name: other
              context: {cluster: c2, user: u, namespace: ns2}
            """)
        let env = ["KUBECONFIG": "\(first):\(dir.url.path)/missing:\(second)"]
        let config = try ClientConfiguration.load(environment: env)
        #expect(config.server.absoluteString == "https://first:1")
        #expect(config.credentials == .token("t2"))
        let explicit = try ClientConfiguration.load(context: "other", environment: env)
        #expect(explicit.server.absoluteString == "https://second:2")
        #expect(explicit.namespace == "ns2")
    }

    /// Broken configurations: each error names the file and the field.
    @Test(arguments: [
        ("clusters: [", "not valid YAML"),
        (kubeconfig(cluster: "insecure-skip-tls-verify: false", user: "token: t"), "clusters[c1].cluster.server"),
        (kubeconfig(cluster: "server: ftp://x", user: "token: t"), "clusters[c1].cluster.server"),
        (kubeconfig(cluster: "server: https://h:1\ncertificate-authority-data: '%%%'", user: "token: t"),
         "certificate-authority-data: not valid base64"),
        (kubeconfig(cluster: "server: https://h:1\ncertificate-authority-data: \(b64("hello"))", user: "token: t"),
         "certificate-authority-data: decoded data holds no PEM"),
        (kubeconfig(cluster: "server: https://h:1\ncertificate-authority: /nonexistent/ca.crt", user: "token: t"),
         "certificate-authority: cannot read"),
        (kubeconfig(cluster: "server: https://h:1", user: "client-certificate-data: \(b64(samplePEM))"),
         "client-key(-data) is required"),
        (kubeconfig(cluster: "server: https://h:1", user: "tokenFile: /nonexistent/token"), "tokenFile: cannot read"),
        (kubeconfig(cluster: "server: https://h:1", user: "token: t", context: "nope"), "context 'nope' not found"),
        (kubeconfig(cluster: "server: https://h:1", user: "exec: {command: aws}"), "users[u1].user.exec"),
        ("clusters: 5\n", "clusters: expected a list"),
        ("contexts:\n- context: {cluster: c}\n", "contexts[0].name is required"),
        ("clusters: []\n", "current-context is required"),
    ])
    func brokenConfigNamesFileAndField(text: String, expected: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Kubeconfig.parse(text, file: "/etc/kube/broken.yaml").configuration()
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("/etc/kube/broken.yaml"), "\(message)")
        #expect(message.contains(expected), "\(message)")
    }

    @Test func missingEverythingSaysWhereItLooked() {
        let error = #expect(throws: ConfigurationError.self) {
            try ClientConfiguration.load(environment: ["HOME": "/nonexistent-home"])
        }
        #expect("\(error!)".contains("/nonexistent-home/.kube/config"))
    }
}

@Suite struct InClusterConfigurationTests {
    private func serviceAccount(_ dir: borrowing TemporaryDirectory, token: String = "sa-token") throws {
        _ = try dir.write("token", token)
        _ = try dir.write("ca.crt", samplePEM)
        _ = try dir.write("namespace", "keyward-system\n")
    }

    @Test func loadsServiceAccountFiles() throws {
        let dir = try TemporaryDirectory()
        try serviceAccount(dir)
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClientConfiguration.load(environment: env, serviceAccountDirectory: dir.url.path)
        #expect(config.server.absoluteString == "https://10.96.0.1:443")
        #expect(config.namespace == "keyward-system")
        #expect(config.tls.caPEM == Data(samplePEM.utf8))
        #expect(config.credentials == .tokenFile(path: dir.url.path + "/token", refreshInterval: 60))
        let v6 = try InClusterConfiguration.load(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"],
                                                 directory: dir.url.path)
        #expect(v6.server.absoluteString == "https://[fd00::1]:6443")
    }

    @Test(arguments: [
        (["KUBERNETES_SERVICE_HOST": "10.0.0.1"], "KUBERNETES_SERVICE_PORT"),
        (["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "https"], "KUBERNETES_SERVICE_PORT"),
    ])
    func brokenEnvironment(env: [String: String], field: String) throws {
        let dir = try TemporaryDirectory()
        try serviceAccount(dir)
        let error = #expect(throws: ConfigurationError.self) {
            try InClusterConfiguration.load(environment: env, directory: dir.url.path)
        }
        #expect("\(error!)".contains(field))
    }

    @Test func missingTokenFileIsNamed() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("ca.crt", samplePEM)
        let error = #expect(throws: ConfigurationError.self) {
            try InClusterConfiguration.load(environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"],
                                            directory: dir.url.path)
        }
        #expect("\(error!)".contains(dir.url.path + "/token"))
    }
}
