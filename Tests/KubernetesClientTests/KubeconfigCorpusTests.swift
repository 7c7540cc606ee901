import Foundation
import KeywardCore
import KubernetesClient
import Testing

// Bad-input corpus for kubeconfigs (issue 8): broken YAML, wrong types, missing and dangling references, bad base64
// and damaged PEM. Each row must fail with a ConfigurationError that names the file and the field, must not echo the
// token or key it carries, and must leave the file as it was. KubeconfigTests holds the first, smaller table.

/// Credentials planted in the corpus: no error message may contain them.
private let plantedToken = "kw-token-SENSITIVE-4c1d9e"
private let plantedKeyBody = "a2V5d2FyZC1jb3JwdXMtcHJpdmF0ZS1rZXktbWF0ZXJpYWwtU0VOU0lUSVZF"

private let certificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIBdzCCAR2gAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0czAKBggqhkjOPQQDAjAR
    -----END CERTIFICATE-----

    """
private let keyPEM = "-----BEGIN PRIVATE KEY-----\n\(plantedKeyBody)\n-----END PRIVATE KEY-----\n"

private func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

/// A kubeconfig with one cluster `c1`, one user `u1` and the current context `ctx`; each part can be replaced.
private func kubeconfig(cluster: String = "server: https://127.0.0.1:6443",
                        user: String = "token: \(plantedToken)",
                        context: String = "{cluster: c1, user: u1}",
                        head: String = "current-context: ctx") -> String {
    func indent(_ text: String) -> String { text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }
    return """
        apiVersion: v1
        kind: Config
        \(head)
        clusters:
        - name: c1
          cluster:
        \(indent(cluster))
        users:
        - name: u1
          user:
        \(indent(user))
        contexts:
        - name: ctx
          context: \(context)

        """
}

/// Nine levels of nine aliases: 9^9 scalars once expanded.
private func aliasBomb(as key: Bool = false) -> String {
    var lines = ["l0: &l0 [\(Array(repeating: "lol", count: 9).joined(separator: ", "))]"]
    for level in 1...8 {
        lines.append("l\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", "))]")
    }
    lines.append(key ? "? *l8\n: boom" : "boom: *l8")
    return lines.joined(separator: "\n") + "\n"
}

struct KubeconfigCorpusCase: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    /// Files written next to the kubeconfig (relative paths in it resolve there).
    var files: [String: String] = [:]
    /// What the message must say: the field (or a YAML position) and the problem.
    var expected: [String]
    var testDescription: String { name }
}

let kubeconfigCorpus: [KubeconfigCorpusCase] = [
    // YAML that cannot be read.
    .init(name: "unterminated quote around the token", text: kubeconfig(user: "token: \"\(plantedToken)\n"),
          expected: ["not valid YAML: line"]),
    .init(name: "tab used for indentation", text: kubeconfig(user: "token: t\n\tclient-key: k"), expected: ["not valid YAML: line"]),
    .init(name: "duplicate key holding the token", text: kubeconfig(user: "token: \(plantedToken)\ntoken: \(plantedToken)x"),
          expected: ["duplicate mapping key \"token\""]),
    .init(name: "NUL byte", text: kubeconfig(user: "token: a\u{0}b"), expected: ["not valid YAML"]),
    .init(name: "billion-laughs alias bomb", text: aliasBomb(), expected: ["more than 1000000 nodes"]),
    .init(name: "alias bomb as a mapping key", text: aliasBomb(as: true), expected: ["more than 1000000 nodes"]),
    .init(name: "alias of a mapping as a key", text: kubeconfig(user: "token: t") + "extra: &m {a: 1}\n*m : x\n",
          expected: ["mapping keys must be scalars"]),
    .init(name: "2000 nested flow sequences", text: "clusters: " + String(repeating: "[", count: 2000),
          expected: ["not valid YAML", "nesting level"]),
    .init(name: "undefined alias", text: kubeconfig(user: "token: *missing"), expected: ["alias *missing refers to no anchor"]),
    // Wrong shapes and types.
    .init(name: "root is a list", text: "- clusters\n- users\n", expected: ["(root): expected a mapping, found array"]),
    .init(name: "root is a scalar", text: "just text\n", expected: ["(root): expected a mapping, found string"]),
    .init(name: "users is a mapping", text: "users: {u1: {token: t}}\n", expected: ["users: expected a list, found object"]),
    .init(name: "clusters entry is a string", text: "clusters:\n- c1\n", expected: ["clusters[0]: expected a mapping, found string"]),
    .init(name: "user name is a list", text: "users:\n- name: [u1]\n  user: {token: t}\n",
          expected: ["users[0].name: expected a string, found array"]),
    .init(name: "cluster body is a list", text: "clusters:\n- name: c1\n  cluster: [https://h:1]\n",
          expected: ["clusters[0].cluster: expected a mapping, found array"]),
    .init(name: "current-context is a number", text: kubeconfig(head: "current-context: 42"),
          expected: ["current-context: expected a string, found integer"]),
    .init(name: "server is a number", text: kubeconfig(cluster: "server: 6443"),
          expected: ["clusters[c1].cluster.server: expected a string, found integer"]),
    .init(name: "token is a number", text: kubeconfig(user: "token: 12345"),
          expected: ["users[u1].user.token: expected a string, found integer"]),
    .init(name: "namespace is a list", text: kubeconfig(context: "{cluster: c1, user: u1, namespace: [a]}"),
          expected: ["contexts[ctx].context.namespace: expected a string, found array"]),
    .init(name: "insecure-skip-tls-verify is not a boolean", text: kubeconfig(cluster: "server: https://h:1\ninsecure-skip-tls-verify: maybe"),
          expected: ["clusters[c1].cluster.insecure-skip-tls-verify: expected true or false"]),
    .init(name: "client-key-data is a list", text: kubeconfig(user: "client-key-data: [\(b64(keyPEM))]"),
          expected: ["users[u1].user.client-key-data: expected a string, found array"]),
    // Missing and dangling references.
    .init(name: "context without a cluster", text: kubeconfig(context: "{user: u1}"),
          expected: ["contexts[ctx].context.cluster is required"]),
    .init(name: "context naming an undefined cluster", text: kubeconfig(context: "{cluster: nope, user: u1}"),
          expected: ["contexts[ctx].context.cluster: cluster 'nope' is not defined"]),
    .init(name: "context naming an undefined user", text: kubeconfig(context: "{cluster: c1, user: nobody}"),
          expected: ["contexts[ctx].context.user: user 'nobody' is not defined"]),
    .init(name: "server without a host", text: kubeconfig(cluster: "server: https://"),
          expected: ["clusters[c1].cluster.server: 'https://' is not an http(s) URL"]),
    .init(name: "client key without a client certificate", text: kubeconfig(user: "client-key-data: \(b64(keyPEM))"),
          expected: ["users[u1].user.client-certificate(-data) is required"]),
    // Base64 and PEM.
    .init(name: "client-key-data is not base64",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: '\(plantedKeyBody)%%'"),
          expected: ["users[u1].user.client-key-data: not valid base64"]),
    .init(name: "client-key-data decodes to plain text",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(plantedToken))"),
          expected: ["users[u1].user.client-key-data: decoded data holds no PEM private key block"]),
    .init(name: "client-key-data holds a certificate",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(certificatePEM))"),
          expected: ["users[u1].user.client-key-data: decoded data holds no PEM private key block"]),
    .init(name: "client-key-data truncated after BEGIN",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(String(keyPEM.prefix(60))))"),
          expected: ["users[u1].user.client-key-data: decoded data holds PEM block 1 without an END line"]),
    .init(name: "client-key-data is an encrypted key",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(keyPEM.replacingOccurrences(of: "PRIVATE KEY", with: "ENCRYPTED PRIVATE KEY")))"),
          expected: ["users[u1].user.client-key-data: decoded data holds an encrypted private key"]),
    .init(name: "client-key-data holds two keys",
          text: kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(keyPEM + keyPEM))"),
          expected: ["users[u1].user.client-key-data: decoded data holds 2 PEM private key blocks"]),
    .init(name: "client-certificate-data with a garbage body",
          text: kubeconfig(user: "client-certificate-data: \(b64("-----BEGIN CERTIFICATE-----\n!!garbage!!\n-----END CERTIFICATE-----\n"))\nclient-key-data: \(b64(keyPEM))"),
          expected: ["users[u1].user.client-certificate-data: decoded data holds PEM block 1 whose body is not valid base64"]),
    .init(name: "certificate-authority-data with mismatched BEGIN and END",
          text: kubeconfig(cluster: "server: https://h:1\ncertificate-authority-data: \(b64(certificatePEM.replacingOccurrences(of: "END CERTIFICATE", with: "END X509 CRL")))"),
          expected: ["clusters[c1].cluster.certificate-authority-data: decoded data holds PEM block 1 whose BEGIN and END labels differ"]),
    .init(name: "certificate-authority-data with END but no BEGIN",
          text: kubeconfig(cluster: "server: https://h:1\ncertificate-authority-data: \(b64("MIIB\n-----END CERTIFICATE-----\n"))"),
          expected: ["clusters[c1].cluster.certificate-authority-data: decoded data holds a PEM END line without a BEGIN line"]),
    .init(name: "client-key file holding garbage",
          text: kubeconfig(user: "client-certificate: cert.pem\nclient-key: key.pem"),
          files: ["cert.pem": certificatePEM, "key.pem": "\(plantedKeyBody)\n"],
          expected: ["users[u1].user.client-key:", "key.pem holds no PEM private key block"]),
    .init(name: "certificate-authority file truncated",
          text: kubeconfig(cluster: "server: https://h:1\ncertificate-authority: ca.pem"),
          files: ["ca.pem": String(certificatePEM.prefix(40))],
          expected: ["clusters[c1].cluster.certificate-authority:", "ca.pem holds PEM block 1 without an END line"]),
]

@Suite("Kubeconfig bad-input corpus", .timeLimit(.minutes(2)))
struct KubeconfigCorpusTests {
    @Test("each malformed kubeconfig fails naming the file and the field, echoes no credential and changes nothing",
          arguments: kubeconfigCorpus)
    func malformed(_ row: KubeconfigCorpusCase) throws {
        let directory = try TemporaryDirectory()
        for (name, contents) in row.files { _ = try directory.write(name, contents) }
        let path = try directory.write("config", row.text)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let error = #expect(throws: ConfigurationError.self) {
            try ClientConfiguration.load(kubeconfig: path, environment: [:])
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.hasPrefix(path), "names the file first: \(message)")
        for fragment in row.expected { #expect(message.contains(fragment), "\(message) should say \(fragment)") }
        #expect(!message.contains(plantedToken) && !message.contains(plantedKeyBody), "a credential leaked: \(message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("the corpus base is a valid kubeconfig, so each row fails for its own defect")
    func baseIsValid() throws {
        let text = kubeconfig(user: "client-certificate-data: \(b64(certificatePEM))\nclient-key-data: \(b64(keyPEM))")
        let configuration = try Kubeconfig.parse(text, file: "base").configuration()
        #expect(configuration.tls.clientKeyPEM == Data(keyPEM.utf8))
        #expect(try Kubeconfig.parse(kubeconfig(), file: "base").configuration().credentials == .token(plantedToken))
    }

    @Test("a kubeconfig larger than the YAML limit is refused before it is read")
    func oversizedFile() throws {
        let directory = try TemporaryDirectory()
        let filler = "# " + String(repeating: "x", count: 1000) + "\n"
        let path = try directory.write("config", kubeconfig() + String(repeating: filler, count: YAMLValue.maximumBytes / filler.utf8.count + 1))
        let error = #expect(throws: ConfigurationError.self) { try ClientConfiguration.load(kubeconfig: path, environment: [:]) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("the limit is \(YAMLValue.maximumBytes)"))
    }

    @Test("in-cluster: a damaged service-account ca.crt is named", arguments: [
        ("-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n", "whose body is not valid base64"),
        (String(certificatePEM.prefix(40)), "without an END line"),
        (keyPEM, "no PEM certificate block"),
    ])
    func inClusterCertificateAuthority(_ contents: String, _ expected: String) throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("token", plantedToken)
        let ca = try directory.write("ca.crt", contents)
        let error = #expect(throws: ConfigurationError.self) {
            try InClusterConfiguration.load(environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                                            directory: directory.url.path)
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.hasPrefix(ca) && message.contains("ca.crt") && message.contains(expected), "\(message)")
        #expect(!message.contains(plantedKeyBody))
    }
}
