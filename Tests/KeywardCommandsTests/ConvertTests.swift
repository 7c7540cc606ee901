import ControllerRuntime
import Foundation
import KeywardAPI
@testable import KeywardCommands
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// `keyward convert --from cert-manager` over the corpus in Tests/Corpus/cert-manager: the findings match each file's
/// header, and the whole converted corpus is accepted by keyward-apiserver through real kubectl and reaches Ready.
@Suite("keyward convert --from cert-manager")
struct ConvertTests {
    static let corpus = ExternalTool.repositoryRoot.appendingPathComponent("Tests/Corpus/cert-manager")

    struct Expectations {
        var dropped: Set<String> = []
        var unconverted: Set<String> = []
    }

    static func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func expectations(_ file: URL) throws -> Expectations {
        var expectations = Expectations()
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.hasPrefix("# expect-") {
            let parts = line.dropFirst(2).split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch parts.first {
            case "expect-dropped": expectations.dropped.insert(parts[1])
            case "expect-unconverted": expectations.unconverted.insert(parts[1])
            default: Issue.record("\(file.lastPathComponent): unknown header \(line)")
            }
        }
        return expectations
    }

    @Test func findingsMatchEachCorpusFile() throws {
        let files = try Self.files()
        #expect(files.count >= 15, "the corpus holds at least 15 manifests")
        var mappedFields: Set<String> = []
        for file in files {
            let expected = try Self.expectations(file)
            let input = try ConvertCommand.read(file.path)
            let result = CertManagerConverter.convert(input)
            #expect(Set(result.dropped.map(\.field)) == expected.dropped,
                    "\(file.lastPathComponent): dropped \(result.dropped.map(\.description))")
            let sourceNames = Set(input.filter { $0["kind"]?.stringValue == "Certificate" }.compactMap { $0["metadata"]?["name"]?.stringValue })
                .union(input.flatMap { $0["items"]?.arrayValue ?? [] }.filter { $0["kind"]?.stringValue == "Certificate" }
                    .compactMap { $0["metadata"]?["name"]?.stringValue })
            let converted = result.documents.filter { $0.object["apiVersion"]?.stringValue == "keyward.dev/v1alpha1" }
            let convertedNames = Set(converted.compactMap { $0.object["metadata"]?["name"]?.stringValue })
            #expect(convertedNames == sourceNames.subtracting(expected.unconverted), "\(file.lastPathComponent): \(convertedNames)")
            // Every dropped field is said in the output, next to its object.
            for finding in result.dropped where !expected.unconverted.isEmpty || finding.field != "spec.issuerRef" {
                let rendered = ConvertCommand.render(result.documents)
                if convertedNames.contains(where: { finding.object.hasSuffix("/\($0)") }) {
                    #expect(rendered.contains("# dropped \(finding.field):"), "\(file.lastPathComponent): \(finding)")
                }
            }
            for document in converted {
                mappedFields.formUnion((document.object["spec"]?.objectValue ?? [:]).keys)
                mappedFields.formUnion((document.object["spec"]?["privateKey"]?.objectValue ?? [:]).keys.map { "privateKey.\($0)" })
            }
        }
        // The corpus exercises every field the converter maps.
        let required: Set<String> = ["secretName", "commonName", "dnsNames", "ipAddresses", "uris", "emailAddresses", "subject",
                                     "duration", "renewBefore", "usages", "isCA", "issuer", "secretTemplate", "crlDistributionPoints",
                                     "privateKey.algorithm", "privateKey.size", "privateKey.rotationPolicy", "privateKey.encoding"]
        #expect(required.subtracting(mappedFields).isEmpty, "not covered: \(required.subtracting(mappedFields))")
    }

    @Test func mapsIssuersAndDefaultsAsCertManagerMeansThem() throws {
        let bootstrap = CertManagerConverter.convert(try ConvertCommand.read(Self.corpus.appendingPathComponent("02-ca-bootstrap.yaml").path))
        let api = try #require(bootstrap.documents.first { $0.object["metadata"]?["name"] == "api" }?.object)
        #expect(api["spec"]?["issuer"] == ["ca": ["certificateRef": "my-selfsigned-ca"]])
        #expect(api["spec"]?["privateKey"]?["algorithm"] == "RSA", "cert-manager's RSA default is kept")
        let root = try #require(bootstrap.documents.first { $0.object["metadata"]?["name"] == "my-selfsigned-ca" }?.object)
        #expect(root["spec"]?["issuer"] == ["selfSigned": [:]] && root["spec"]?["isCA"] == true)

        let byo = CertManagerConverter.convert(try ConvertCommand.read(Self.corpus.appendingPathComponent("15-byo-ca-secret.yaml").path))
        let intranet = try #require(byo.documents.first { $0.object["kind"] == "Certificate" }?.object)
        #expect(intranet["spec"]?["issuer"] == ["ca": ["secretRef": "corp-ca"]])

        let percentage = CertManagerConverter.convert(try ConvertCommand.read(Self.corpus.appendingPathComponent("07-renew-before-percentage.yaml").path))
        #expect(percentage.documents.first { $0.object["kind"] == "Certificate" }?.object["spec"]?["renewBefore"] == "180h")

        let list = CertManagerConverter.convert(try ConvertCommand.read(Self.corpus.appendingPathComponent("14-list.yaml").path))
        let listed = try #require(list.documents.first { $0.object["kind"] == "Certificate" }?.object)
        #expect(listed["status"] == nil && listed["metadata"]?["annotations"] == nil, "status and cert-manager annotations are not carried")
    }

    @Test func exitCodesAndStdin() async throws {
        let keyward = try keywardExecutable()
        let lossy = Self.corpus.appendingPathComponent("08-keystores.yaml").path
        let refused = try await ExternalTool.run(keyward, ["convert", "--from", "cert-manager", lossy])
        #expect(refused.status == 1 && refused.stderr.contains("dropped: Certificate cm-08/kafka-broker: spec.keystores"), "\(refused)")
        #expect(refused.stdout.contains("kind: Certificate"), "the output is still written: \(refused.stdout)")
        let accepted = try await ExternalTool.run(keyward, ["convert", "--from", "cert-manager", "--allow-lossy", lossy])
        #expect(accepted.status == 0, "\(accepted)")
        let clean = try await ExternalTool.run(keyward, ["convert", "--from", "cert-manager", Self.corpus.appendingPathComponent("02-ca-bootstrap.yaml").path])
        #expect(clean.status == 0, "\(clean)")
        let viaStdin = try await ExternalTool.run("/bin/sh", ["-c", "'\(keyward)' convert --from cert-manager - < '\(Self.corpus.appendingPathComponent("01-selfsigned-basic.yaml").path)'"])
        #expect(viaStdin.status == 0 && viaStdin.stdout.contains("name: example-com"), "\(viaStdin)")
        let directory = try TemporaryDirectory(prefix: "keyward-convert")
        let garbage = try directory.write("garbage.yaml", "a: [unclosed")
        let bad = try await ExternalTool.run(keyward, ["convert", "--from", "cert-manager", garbage])
        #expect(bad.status == 2, "\(bad)")
        let wrongSource = try await ExternalTool.run(keyward, ["convert", "--from", "kcert", garbage])
        #expect(wrongSource.status != 0 && wrongSource.stderr.contains("--from must be cert-manager"), "\(wrongSource)")
    }

    /// The whole converted corpus (one folder, as a user would run it) through real kubectl into keyward-apiserver,
    /// and every converted Certificate Ready under the operator.
    @Test func convertedCorpusIsAcceptedAndReachesReady() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-convert-apply")
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        let server = try await APIServer.start(configuration)
        let kubeconfig = directory.url.appendingPathComponent("kubeconfig")
        try server.writeKubeconfig(to: kubeconfig)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig.path))
        let manager = await OperatorAssembly(client: client, concurrency: 2).makeManager(elector: nil, health: nil)
        let operatorTask = Task { try await manager.run() }

        let converted = try await ExternalTool.run(try keywardExecutable(), ["convert", "--from", "cert-manager", "--allow-lossy", Self.corpus.path])
        #expect(converted.status == 0, "\(converted.stderr)")
        let output = try directory.write("converted.yaml", converted.stdout)
        let applied = try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig.path, "apply", "-f", output], timeout: 120)
        #expect(applied.status == 0, "\(applied)")
        let expected = try YAMLValue.documents(converted.stdout).filter { $0["apiVersion"] == "keyward.dev/v1alpha1" }
        #expect(expected.count >= 18, "\(expected.count) Certificates converted")
        #expect(applied.stdout.components(separatedBy: "certificate.keyward.dev/").count - 1 == expected.count, "\(applied.stdout)")

        var notReady: [String] = []
        let allReady = try await within(120, every: .milliseconds(250)) {
            notReady = []
            for document in expected {
                let name = document["metadata"]?["name"]?.stringValue ?? ""
                let namespace = document["metadata"]?["namespace"]?.stringValue ?? "default"
                let certificate = try await client.get(Certificate.self, name: name, namespace: namespace)
                if certificate.status?.conditions[type: "Ready"]?.status != .true {
                    notReady.append("\(namespace)/\(name): \(certificate.status?.conditions.map { "\($0.type)=\($0.status.rawValue) \($0.reason) \($0.message)" } ?? [])")
                }
            }
            return notReady.isEmpty
        }
        #expect(allReady, "not Ready: \(notReady)")

        operatorTask.cancel()
        _ = await operatorTask.result
        client.shutdown()
        await server.shutdown()
    }

    /// The migration doc's steps: a Secret cert-manager created stays untouched (SecretNotOwned) until its owner
    /// annotates it; then the converted Certificate adopts it in place and is Ready, the Secret never missing.
    @Test func convertedCertificateAdoptsTheCertManagerSecretByConsent() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-convert-adopt")
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        let server = try await APIServer.start(configuration)
        let kubeconfig = directory.url.appendingPathComponent("kubeconfig")
        try server.writeKubeconfig(to: kubeconfig)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig.path))
        let manager = await OperatorAssembly(client: client, concurrency: 2).makeManager(elector: nil, health: nil)
        let operatorTask = Task { try await manager.run() }
        func kubectl(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig.path] + arguments, timeout: 60)
        }

        // What cert-manager left behind: its Secret (issued by its self-signed Issuer) and the manifests.
        let key = try PrivateKey.generate(.rsa2048)
        let old = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "web.shop.svc", dnsNames: ["web.shop.svc"]),
                                              subjectKey: key, now: Date())
        try await kubectl("create", "namespace", "shop").expectSuccess()
        let secretFile = try directory.write("secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: web-tls, namespace: shop, annotations: {cert-manager.io/certificate-name: web}}
            type: kubernetes.io/tls
            data:
              tls.crt: \(Data(old.certificatePEM.utf8).base64EncodedString())
              tls.key: \(Data(key.pemEncoded().utf8).base64EncodedString())
            """)
        try await kubectl("apply", "-f", secretFile).expectSuccess()
        let manifest = try directory.write("cert-manager.yaml", """
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: selfsigned, namespace: shop}
            spec: {selfSigned: {}}
            ---
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: web, namespace: shop}
            spec: {secretName: web-tls, dnsNames: [web.shop.svc], issuerRef: {name: selfsigned}}
            """)
        let converted = try await ExternalTool.run(try keywardExecutable(), ["convert", "--from", "cert-manager", manifest])
        #expect(converted.status == 0, "\(converted)")
        try await kubectl("apply", "-f", try directory.write("keyward.yaml", converted.stdout)).expectSuccess()

        func ready() async throws -> Condition? {
            try await client.get(Certificate.self, name: "web", namespace: "shop").status?.conditions[type: "Ready"]
        }
        #expect(try await within(60, every: .milliseconds(100)) { try await ready()?.reason == "SecretNotOwned" })
        let untouched = try await client.get(Secret.self, name: "web-tls", namespace: "shop")
        #expect(untouched.string("tls.crt") == old.certificatePEM, "no consent, no write")

        // Consent given after the Certificate was applied: `keyward renew` acts at once instead of at the next retry.
        try await kubectl("annotate", "secret", "web-tls", "-n", "shop", "keyward.dev/allow-adoption=Certificate/web").expectSuccess()
        let renew = try await ExternalTool.run(try keywardExecutable(), ["renew", "web", "-n", "shop", "--kubeconfig", kubeconfig.path])
        renew.expectSuccess()
        let adoptedInTime = try await within(60, every: .milliseconds(100)) { try await ready()?.status == .true }
        let finalCondition = try await ready()
        #expect(adoptedInTime, "\(String(describing: finalCondition))")
        let adopted = try await client.get(Secret.self, name: "web-tls", namespace: "shop")
        #expect(adopted.metadata.labels["keyward.dev/owned"] == "true")
        let status = try await ExternalTool.run(try keywardExecutable(), ["status", "certificate", "web", "-n", "shop", "--kubeconfig", kubeconfig.path])
        #expect(status.stdout.contains("owned by this Certificate"), "\(status.stdout)")

        // The documented order: consent first, then the converted Certificate; the certificate in the Secret still
        // matches, so it is kept (same serial) and the Secret never changes hands without a valid certificate.
        let apiKey = try PrivateKey.generate(.rsa2048)
        let api = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "api.shop.svc", dnsNames: ["api.shop.svc"]),
                                              subjectKey: apiKey, now: Date())
        let apiSecret = try directory.write("api-secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: api-tls, namespace: shop, annotations: {keyward.dev/allow-adoption: Certificate/api}}
            type: kubernetes.io/tls
            data:
              tls.crt: \(Data(api.certificatePEM.utf8).base64EncodedString())
              tls.key: \(Data(apiKey.pemEncoded().utf8).base64EncodedString())
            """)
        try await kubectl("apply", "-f", apiSecret).expectSuccess()
        let apiManifest = try directory.write("api-cert-manager.yaml", """
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: selfsigned, namespace: shop}
            spec: {selfSigned: {}}
            ---
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: api, namespace: shop}
            spec: {secretName: api-tls, dnsNames: [api.shop.svc], commonName: api.shop.svc, issuerRef: {name: selfsigned}}
            """)
        let apiConverted = try await ExternalTool.run(try keywardExecutable(), ["convert", "--from", "cert-manager", apiManifest])
        try await kubectl("apply", "-f", try directory.write("api-keyward.yaml", apiConverted.stdout)).expectSuccess()
        let apiReady = try await within(60, every: .milliseconds(100)) {
            try await client.get(Certificate.self, name: "api", namespace: "shop").status?.conditions[type: "Ready"]?.status == .true
        }
        let apiObject = try await client.get(Certificate.self, name: "api", namespace: "shop")
        #expect(apiReady, "\(String(describing: apiObject.status?.conditions))")
        let apiStatus = try await ExternalTool.run(try keywardExecutable(), ["status", "certificate", "api", "-n", "shop", "--kubeconfig", kubeconfig.path])
        #expect(apiStatus.stdout.contains("adopted by this Certificate with the Secret's consent"), "\(apiStatus.stdout)")
        #expect(apiObject.status?.serialNumber == (try CertificateInfo(pemEncoded: api.certificatePEM).serialHex.uppercased()),
                "the matching certificate cert-manager left is kept, not reissued")

        operatorTask.cancel()
        _ = await operatorTask.result
        client.shutdown()
        await server.shutdown()
    }
}

extension ExternalTool.Output {
    /// Records a failure (with the tool's output) unless the tool exited 0.
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "\(self)", sourceLocation: sourceLocation)
    }
}
