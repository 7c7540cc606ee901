import ControllerRuntime
import Foundation
import KeywardAPI
import KubeAPIServer
import KubernetesClient
import KubernetesResources
@testable import SecretRotationController
import Testing

/// Ownership by consent for SecretRotations: a Secret Keyward did not create for a SecretRotation is written only
/// when it names the rotation in `keyward.dev/allow-adoption`.
@Suite("SecretRotation ownership by consent")
struct SecretOwnershipTests {
    private func spec(_ secretName: String) -> SecretRotation.Spec {
        SecretRotation.Spec(secretName: secretName, keys: [.init(name: "password", generator: .password())], interval: "720h")
    }

    @Test("a Certificate's TLS Secret (Keyward's label, no rotation mark) is not a SecretRotation's to write")
    func certificateSecretIsRefused() async throws {
        try await Harness.with { h in
            let tls = try await h.store.create(Secret(
                metadata: ObjectMeta(name: "web-tls", namespace: h.namespace, labels: KeywardLabels.standard,
                                     annotations: [KeywardAnnotations.certificateName: "web"]),
                type: Secret.tlsType, data: ["tls.crt": Data("cert".utf8), "tls.key": Data("key".utf8)]))
            try await h.create("grab", spec("web-tls"), annotations: [KeywardAnnotations.rotate: "now"])
            let result = try await h.reconcile("grab")
            #expect(result.requeueAfter != nil, "a foreign Secret is looked at again later")
            let ready = try #require(try await h.status("grab").conditions[type: SecretRotation.ConditionType.ready])
            #expect(ready.status == .false && ready.reason == SecretRotation.Reason.secretNotOwned)
            #expect(await h.sink.reasons(for: "grab") == [SecretRotation.Reason.secretNotOwned])
            let after = try #require(try await h.store.get(Secret.self, namespace: h.namespace, name: "web-tls"))
            #expect(after.data == tls.data && after.metadata.resourceVersion == tls.metadata.resourceVersion)
            // A second pass writes nothing and sends no second Event.
            let writes = await h.server.writeLog().count
            try await h.reconcile("grab")
            #expect(await h.server.writeLog().count == writes)
        }
    }

    @Test("a Secret created for one SecretRotation may carry the keys of another in its namespace")
    func sharedRotationSecretStillWorks() async throws {
        try await Harness.with { h in
            try await h.create("first", spec("shared"))
            try await h.settle("first")
            var second = spec("shared")
            second.keys = [.init(name: "token", generator: .password())]
            try await h.create("second", second)
            try await h.settle("second")
            #expect(try await h.status("second").conditions[type: SecretRotation.ConditionType.ready]?.status == .true)
            let data = try await h.data("shared")
            #expect(data["password"] != nil && data["token"] != nil)
        }
    }
}
