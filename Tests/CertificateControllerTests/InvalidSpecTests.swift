@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources
import StandaloneStore
import Testing

/// One bad spec and the field the controller must name in its Ready=False condition.
struct InvalidSpecCase: CustomTestStringConvertible, Sendable {
    var name: String
    var field: String
    var mutate: @Sendable (inout Certificate.Spec) -> Void
    var testDescription: String { name }
}

let invalidSpecCases: [InvalidSpecCase] = [
    .init(name: "empty secretName", field: "spec.secretName") { $0.secretName = "" },
    .init(name: "secretName not a DNS label", field: "spec.secretName") { $0.secretName = "Web_TLS" },
    .init(name: "dnsName with an empty label", field: "spec.dnsNames[0]") { $0.dnsNames = ["web..example.com"] },
    .init(name: "wildcard over a single label", field: "spec.dnsNames[0]") { $0.dnsNames = ["*.com"] },
    // Standalone manifests meet no schema: a YAML alias can expand a list to hundreds of thousands of names.
    .init(name: "more dnsNames than maxItems", field: "spec.dnsNames") {
        $0.dnsNames = (0...Certificate.Spec.maximumNamesPerList).map { "host\($0).example.com" }
    },
    .init(name: "invalid IPv4 address", field: "spec.ipAddresses[0]") { $0.ipAddresses = ["10.0.0.300"] },
    .init(name: "URI without a scheme", field: "spec.uris[0]") { $0.uris = ["not a uri"] },
    .init(name: "email without @", field: "spec.emailAddresses[0]") { $0.emailAddresses = ["ops.example.com"] },
    .init(name: "no names at all", field: "spec.dnsNames") {
        $0.dnsNames = []; $0.commonName = nil; $0.issuer = .init(ca: .init(certificateRef: "root-ca"))
    },
    .init(name: "unparseable duration", field: "spec.duration") { $0.duration = "90d" },
    .init(name: "duration below one hour", field: "spec.duration") { $0.duration = "30m" },
    .init(name: "renewBefore longer than duration", field: "spec.renewBefore") { $0.duration = "24h"; $0.renewBefore = "48h" },
    .init(name: "maxPathLength without isCA", field: "spec.maxPathLength") { $0.maxPathLength = 0 },
    .init(name: "unknown key algorithm", field: "spec.privateKey.algorithm") { $0.privateKey.algorithm = "DSA" },
    .init(name: "RSA key of 1024 bits", field: "spec.privateKey.size") {
        $0.privateKey = Certificate.PrivateKey(algorithm: .rsa, size: 1024)
    },
    .init(name: "no issuer", field: "spec.issuer") { $0.issuer = Certificate.IssuerReference() },
    .init(name: "two issuers", field: "spec.issuer") {
        $0.issuer = Certificate.IssuerReference(selfSigned: .init(), ca: .init(certificateRef: "root-ca"))
    },
    .init(name: "files.subPath escapes with ..", field: "spec.files.subPath") {
        $0.files = Certificate.Files(subPath: "certs/../../etc")
    },
    .init(name: "world-readable private key file", field: "spec.files.privateKeyMode") {
        $0.files = Certificate.Files(privateKeyMode: "0644")
    },
    .init(name: "group-writable file mode", field: "spec.files.mode") { $0.files = Certificate.Files(mode: "0664") },
    .init(name: "world-writable file mode", field: "spec.files.mode") { $0.files = Certificate.Files(mode: "0646") },
    .init(name: "group-writable private key file", field: "spec.files.privateKeyMode") {
        $0.files = Certificate.Files(privateKeyMode: "0660")
    },
    .init(name: "files.subPath absolute", field: "spec.files.subPath") { $0.files = Certificate.Files(subPath: "/etc/ssl") },
    .init(name: "files.subPath with an empty component", field: "spec.files.subPath") {
        $0.files = Certificate.Files(subPath: "certs//web")
    },
    .init(name: "files.subPath into another namespace", field: "spec.files.subPath") {
        $0.files = Certificate.Files(subPath: "../other-ns")
    },
    .init(name: "unknown failurePolicy", field: "spec.failurePolicy") { $0.failurePolicy = "retry" },
]

@Suite("Invalid Certificate specs")
struct InvalidSpecTests {
    @Test("each invalid spec is refused naming the field: by the CRD schema at admission, or as InvalidSpec with an Event",
          arguments: invalidSpecCases, Backend.allCases)
    func invalid(_ testCase: InvalidSpecCase, _ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            var spec = Certificate.Spec(secretName: "bad-tls", issuer: .init(selfSigned: .init()),
                                        commonName: "bad.example.com", dnsNames: ["bad.example.com"])
            testCase.mutate(&spec)
            do {
                try await h.create("bad", spec)
            } catch StoreError.invalid(_, _, let reason) {
                // The API server's schema caught it first (422 with field causes); standalone has no admission.
                #expect(backend == .cluster)
                #expect(reason.contains(testCase.field.split(separator: "[").first.map(String.init) ?? testCase.field),
                        "422 reason \(reason) should name \(testCase.field)")
                return
            }
            let result = try await h.reconcile("bad")
            #expect(result.requeueAfter == nil, "a spec error is not retried on a timer")

            let ready = try #require(try await h.condition("bad"))
            #expect(ready.status == .false)
            #expect(ready.reason == Certificate.Reason.invalidSpec)
            #expect(ready.message.hasPrefix(testCase.field), "message \(ready.message) should name \(testCase.field)")
            let events = await h.sink.events
            #expect(events.contains { $0.type == .warning && $0.reason == Certificate.Reason.invalidSpec
                && ($0.message ?? "").contains(testCase.field) })
            #expect(try await h.store.list(Secret.self, namespace: "default").isEmpty)

            // A second pass changes nothing (no event storm, no status churn).
            let writes = await h.writeCount()
            try await h.reconcile("bad")
            #expect(await h.writeCount() == writes)
        }
    }

    @Test("fixing the spec clears InvalidSpec and issues")
    func recovery() async throws {
        let h = try await Harness()
        try await h.create("bad", Certificate.Spec(secretName: "bad-tls", issuer: .init(selfSigned: .init()),
                                                   commonName: "good.example.com", dnsNames: ["bad..example.com"]))
        try await h.reconcile("bad")
        #expect(try await h.condition("bad")?.reason == Certificate.Reason.invalidSpec)
        try await h.edit("bad") { $0.spec.dnsNames = ["good.example.com"] }
        try await h.converge("bad")
        #expect(try await h.condition("bad")?.status == .true)
    }
}
