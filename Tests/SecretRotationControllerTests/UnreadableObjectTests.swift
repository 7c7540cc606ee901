import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// kube-apiserver accepts custom resources nested 10,000 levels deep under `x-kubernetes-preserve-unknown-fields`
/// (`spec.verify.job.template`), the controller's parser stops at 512. One such object, made by any tenant, must
/// cost nothing but itself: the list and the watch go on, every other object is cached, and it leaves the cache.
@Suite("Objects nobody can read")
struct UnreadableObjectTests {
    /// Creates (or, with `resourceVersion`, replaces) SecretRotation `name` with `spec.verify.job.template` nested
    /// 600 levels, through the real curl: this process's own encoder, like its parser, stops at 512 levels.
    static func putDeep(_ h: Harness, _ name: String, resourceVersion: String? = nil) async throws {
        let nested = String(repeating: #"{"x":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        let version = resourceVersion.map { #","resourceVersion":"\#($0)""# } ?? ""
        var spec = SecretRotation.Spec.db(.staged)
        spec.verify = SecretRotation.Verify(job: SecretRotation.JobCheck(template: ["deep": "PLACEHOLDER"]))
        let specJSON = String(decoding: try KubeJSON.makeEncoder().encode(spec), as: UTF8.self)
            .replacingOccurrences(of: #""PLACEHOLDER""#, with: nested)
        let body = #"{"apiVersion":"keyward.dev/v1alpha1","kind":"SecretRotation","metadata":{"name":"\#(name)","namespace":"\#(h.namespace)"\#(version)},"spec":\#(specJSON)}"#
        let directory = try TemporaryDirectory(prefix: "keyward-deep")
        let bodyFile = try directory.write("body.json", body)
        let caFile = try directory.write("ca.pem", h.server.caCertificatePEM)
        var path = "apis/keyward.dev/v1alpha1/namespaces/\(h.namespace)/secretrotations"
        if resourceVersion != nil { path += "/\(name)" }
        let output = try await ExternalTool.run("/usr/bin/curl", [
            "-sS", "--fail-with-body", "--cacert", caFile, "-H", "Authorization: Bearer \(h.server.token)",
            "-H", "Content-Type: application/json", "-X", resourceVersion == nil ? "POST" : "PUT",
            "--data-binary", "@\(bodyFile)", h.server.url.appendingPathComponent(path).absoluteString,
        ])
        #expect(output.status == 0, "\(output)")
    }

    @Test("a SecretRotation nested past the parser's limit fails alone, in the list and in the watch")
    func nestedPastTheLimit() async throws {
        try await Harness.with { h in
            try await h.create("good", .db(.staged))
            try await Self.putDeep(h, "deep")
            let informer = Informer<SecretRotation>(client: h.client)
            let running = Task { await informer.run() }
            try await informer.waitUntilSynced()
            #expect(await informer.cached(namespace: h.namespace, name: "good") != nil)
            #expect(await informer.cached(namespace: h.namespace, name: "deep") == nil)

            // Through the watch: the unreadable one is passed over, the next one arrives, nothing relists.
            try await Self.putDeep(h, "deep-later")
            try await h.create("good-later", .db(.staged))
            #expect(try await h.eventually { await informer.cached(namespace: h.namespace, name: "good-later") != nil })
            #expect(await informer.cached(namespace: h.namespace, name: "deep-later") == nil)

            // A cached object that becomes unreadable leaves the cache: nothing acts on its old spec.
            let good = try await h.rotation("good")
            try await Self.putDeep(h, "good", resourceVersion: good.metadata.resourceVersion)
            #expect(try await h.eventually { await informer.cached(namespace: h.namespace, name: "good") == nil })
            #expect(await informer.cached(namespace: h.namespace, name: "good-later") != nil)
            #expect(await informer.listCount == 1)
            running.cancel()
            await running.value
        }
    }
}
