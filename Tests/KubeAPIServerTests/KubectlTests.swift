import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// The real kubectl against the server, with the kubeconfig the server writes: what a developer does in the README
/// quickstart must work without `--validate=false`.
@Suite struct KubectlTests {
    struct KubectlMissing: Error, CustomStringConvertible {
        var description: String { "kubectl is not installed; run scripts/install-tools.sh (or put kubectl on PATH)" }
    }

    /// Runs kubectl with an isolated HOME and cache so nothing from the developer's ~/.kube leaks in.
    struct Kubectl {
        let executable: String
        let directory: URL
        let kubeconfig: URL

        @discardableResult
        func callAsFunction(_ arguments: String..., expectSuccess: Bool = true,
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> (exitCode: Int32, output: String, errors: String) {
            let environment = ["KUBECONFIG": kubeconfig.path, "HOME": directory.path,
                               "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            let result = try await ExternalTool.run(
                executable, ["--cache-dir", directory.appendingPathComponent("cache").path, "--request-timeout=20s"] + arguments,
                in: directory, environment: environment)
            let output = String(decoding: result.stdout, as: UTF8.self)
            let errors = String(decoding: result.stderr, as: UTF8.self)
            if expectSuccess {
                #expect(result.exitCode == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(errors)",
                        sourceLocation: sourceLocation)
            }
            return (result.exitCode, output, errors)
        }
    }

    private func kubectl(for server: TestServer) throws -> Kubectl {
        guard let executable = ExternalTool.find("kubectl") else { throw KubectlMissing() }
        let kubeconfig = server.directory.appendingPathComponent("kubeconfig")
        try server.server.writeKubeconfig(to: kubeconfig)
        return Kubectl(executable: executable, directory: server.directory, kubeconfig: kubeconfig)
    }

    @Test func quickstartApplyGetAnnotateDelete() async throws {
        try await withServer { server in
            let kubectl = try kubectl(for: server)
            let root = repositoryRoot()
            let crds = try await kubectl("apply", "-f", root.appendingPathComponent("crds/certificates.keyward.dev.yaml").path,
                                         "-f", root.appendingPathComponent("crds/secretrotations.keyward.dev.yaml").path)
            #expect(crds.output.contains("customresourcedefinition.apiextensions.k8s.io/certificates.keyward.dev created"))

            let example = try await kubectl("apply", "-f", root.appendingPathComponent("examples/quickstart.yaml").path)
            #expect(example.output.contains("namespace/keyward-demo created"))
            #expect(example.output.contains("certificate.keyward.dev/demo-web created"))
            #expect(example.output.contains("secretrotation.keyward.dev/demo-db-password created"))
            // Re-applying patches (three-way merge) instead of failing.
            let again = try await kubectl("apply", "-f", root.appendingPathComponent("examples/quickstart.yaml").path)
            #expect(again.output.contains("certificate.keyward.dev/demo-web unchanged"))

            let table = try await kubectl("get", "certificates.keyward.dev", "-n", "keyward-demo")
            let header = table.output.split(separator: "\n").first.map(String.init) ?? ""
            let columns = header.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            #expect(columns == "NAME READY STATE SECRET NOT AFTER AGE", "\(table.output)")
            // The extra columns (priority 1) only with -o wide.
            let wide = try await kubectl("get", "certificates.keyward.dev", "-n", "keyward-demo", "-o", "wide")
            let wideHeader = wide.output.split(separator: "\n").first.map(String.init) ?? ""
            #expect(wideHeader.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                    == "NAME READY STATE SECRET NOT AFTER AGE ISSUER RENEWAL SERVED", "\(wide.output)")
            #expect(table.output.contains("demo-web") && table.output.contains("demo-web-tls"))
            let byShortName = try await kubectl("get", "kwcert", "-A")
            #expect(byShortName.output.contains("keyward-demo"))
            let byCategory = try await kubectl("get", "keyward", "-n", "keyward-demo", "-o", "name")
            #expect(byCategory.output.contains("certificate.keyward.dev/demo-root-ca"))
            #expect(byCategory.output.contains("secretrotation.keyward.dev/demo-db-password"))

            try await kubectl("annotate", "certificate", "demo-web", "-n", "keyward-demo", "keyward.dev/reviewed=yes")
            let stored = await server.server.storedObject(group: "keyward.dev", resource: "certificates",
                                                          namespace: "keyward-demo", name: "demo-web")
            #expect(stored?["metadata"]?["annotations"]?["keyward.dev/reviewed"] == "yes")
            let jsonPath = try await kubectl("get", "certificate", "demo-web", "-n", "keyward-demo",
                                             "-o", "jsonpath={.spec.secretName}")
            #expect(jsonPath.output == "demo-web-tls")

            let deleted = try await kubectl("delete", "certificate", "demo-web", "-n", "keyward-demo")
            #expect(deleted.output.contains("certificate.keyward.dev \"demo-web\" deleted"))
            #expect(await server.server.storedObject(group: "keyward.dev", resource: "certificates",
                                                     namespace: "keyward-demo", name: "demo-web") == nil)
        }
    }

    /// `kubectl apply -f crds/` (what every operator's README says) installs exactly the CRDs on a fresh server: the
    /// folder's kustomization is named `Kustomization`, which `-f` skips; `kubectl apply -k crds/` installs the same.
    @Test func crdsFolderAppliesWithFileAndWithKustomize() async throws {
        let expected = ["customresourcedefinition.apiextensions.k8s.io/certificates.keyward.dev created",
                        "customresourcedefinition.apiextensions.k8s.io/clusterissuers.keyward.dev created",
                        "customresourcedefinition.apiextensions.k8s.io/issuers.keyward.dev created",
                        "customresourcedefinition.apiextensions.k8s.io/secretrotations.keyward.dev created"]
        for flag in ["-f", "-k"] {
            try await withServer { server in
                let kubectl = try kubectl(for: server)
                let applied = try await kubectl("apply", flag, repositoryRoot().appendingPathComponent("crds").path)
                let lines = applied.output.split(separator: "\n").map(String.init).sorted()
                #expect(lines == expected, "kubectl apply \(flag) crds/: \(applied.output) \(applied.errors)")
                let served = try await kubectl("get", "crds", "-o", "name")
                #expect(served.output.contains("certificates.keyward.dev") && served.output.contains("secretrotations.keyward.dev"))
            }
        }
    }

    /// Every Keyward custom resource in the examples users copy (examples/** and manifests/examples/**) is accepted
    /// by the server with the CRDs installed, and reading the same objects back (`kubectl get -f`) finds each one.
    /// Only the Keyward documents (and the Namespaces they live in) are applied: the test server does not serve
    /// RBAC or NetworkPolicy, which the manifests' examples also contain.
    @Test func everyExampleCustomResourceIsAccepted() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let kubectl = try kubectl(for: server)
            let root = repositoryRoot()
            var files: [String] = []
            for directory in ["examples", "examples/standalone", "manifests/examples"] {
                let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)
                files += names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
            }
            // The quickstart creates the keyward-demo namespace the other examples live in, so it goes first.
            files.sort { ($0 == "examples/quickstart.yaml" ? 0 : 1, $0) < ($1 == "examples/quickstart.yaml" ? 0 : 1, $1) }
            var accepted: [String] = []
            for file in files {
                let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                let documents = text.components(separatedBy: "\n---").filter {
                    $0.contains("apiVersion: keyward.dev/") || $0.contains("\nkind: Namespace")
                }
                let keywardCount = documents.filter { $0.contains("apiVersion: keyward.dev/") }.count
                #expect(keywardCount > 0, "\(file) holds no Keyward resource")
                let subset = server.directory.appendingPathComponent(file.replacingOccurrences(of: "/", with: "_"))
                try documents.joined(separator: "\n---\n").write(to: subset, atomically: true, encoding: .utf8)

                let applied = try await kubectl("apply", "-f", subset.path)
                #expect(applied.exitCode == 0, "\(file): \(applied.errors)")
                let readBack = try await kubectl("get", "-f", subset.path, "-o", "name")
                let names = readBack.output.split(separator: "\n").map(String.init)
                #expect(names.count == documents.count, "\(file): applied \(applied.output), read back \(readBack.output)")
                let keyward = names.filter { $0.contains(".keyward.dev/") }
                #expect(keyward.count == keywardCount, "\(file): \(keyward)")
                accepted += keyward.map { "\(file): \($0)" }
            }
            #expect(accepted.contains { $0.contains("certificate.keyward.dev/") })
            #expect(accepted.contains { $0.contains("secretrotation.keyward.dev/") })
            #expect(accepted.contains { $0.contains("issuer.keyward.dev/") })
            #expect(accepted.contains { $0.contains("clusterissuer.keyward.dev/") })
        }
    }

    @Test func serverSideValidationErrorsReachKubectl() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let kubectl = try kubectl(for: server)
            let manifest = server.directory.appendingPathComponent("typo.yaml")
            try """
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: typo, namespace: default}
                spec: {secretName: typo-tls, issuer: {selfSigned: {}}, comonName: oops}
                """.write(to: manifest, atomically: true, encoding: .utf8)
            let result = try await kubectl("apply", "-f", manifest.path, expectSuccess: false)
            #expect(result.exitCode != 0)
            #expect(result.errors.contains("unknown field \"spec.comonName\""), "\(result.errors)")
        }
    }

    @Test func waitForConditionUsesWatches() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let kubectl = try kubectl(for: server)
            let manifest = server.directory.appendingPathComponent("cert.yaml")
            try """
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: ready, namespace: default}
                spec: {secretName: ready-tls, commonName: ready.example, issuer: {selfSigned: {}}}
                """.write(to: manifest, atomically: true, encoding: .utf8)
            try await kubectl("apply", "-f", manifest.path)
            var certificate = try await server.get("/apis/keyward.dev/v1alpha1/namespaces/default/certificates/ready").json
            certificate["status"] = ["conditions": [["type": "Ready", "status": "True", "reason": "Issued", "message": "ok",
                                                     "lastTransitionTime": "2027-01-15T08:00:00Z", "observedGeneration": 1]]]
            let statusUpdate = try await server.put("/apis/keyward.dev/v1alpha1/namespaces/default/certificates/ready/status",
                                                    certificate)
            #expect(statusUpdate.status == 200, "\(statusUpdate)")
            let waited = try await kubectl("wait", "--for=condition=Ready", "certificate/ready", "--timeout=20s")
            #expect(waited.output.contains("condition met"))
            let table = try await kubectl("get", "certificate", "ready")
            #expect(table.output.contains("True"))
        }
    }

    /// `kubectl create <built-in>` sends protobuf bodies.
    @Test func imperativeCreatesOfBuiltIns() async throws {
        try await withServer { server in
            let kubectl = try kubectl(for: server)
            try await kubectl("create", "namespace", "team")
            try await kubectl("create", "configmap", "settings", "-n", "team", "--from-literal=mode=fast")
            try await kubectl("create", "secret", "generic", "db", "-n", "team", "--from-literal=password=s3cret")
            let configMap = await server.server.storedObject(resource: "configmaps", namespace: "team", name: "settings")
            #expect(configMap?["data"]?["mode"] == "fast")
            let secret = await server.server.storedObject(resource: "secrets", namespace: "team", name: "db")
            #expect(secret?["data"]?["password"] == .string(Data("s3cret".utf8).base64EncodedString()))
            #expect(secret?["type"] == "Opaque")
            let listed = try await kubectl("get", "secrets", "-n", "team", "-o", "name")
            #expect(listed.output == "secret/db\n")
            try await kubectl("delete", "namespace", "team")
            #expect(await server.server.storedObject(resource: "namespaces", name: "team") == nil)
        }
    }
}
