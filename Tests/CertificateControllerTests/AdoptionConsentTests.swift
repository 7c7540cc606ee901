@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources
import Testing

/// Ownership by consent for Certificates: `adoptExistingSecret` takes a Secret over only when the Secret names the
/// Certificate in `keyward.dev/allow-adoption`; otherwise SecretNotOwned, an Event, and the Secret as it was.
@Suite("Certificate adoption by consent")
struct AdoptionConsentTests {
    private func foreignSecret(_ h: Harness, annotations: [String: String] = [:]) async throws -> Secret {
        try await h.store.create(Secret(
            metadata: ObjectMeta(name: "web-tls", namespace: h.namespace, annotations: annotations),
            type: Secret.tlsType,
            data: ["tls.crt": Data("someone else's certificate".utf8), "tls.key": Data("someone else's key".utf8)]))
    }

    private func adopting() -> Certificate.Spec {
        var spec = Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init()),
                                    commonName: "web.example.com", dnsNames: ["web.example.com"])
        spec.adoptExistingSecret = true
        return spec
    }

    @Test("adoptExistingSecret without the Secret's consent: SecretNotOwned, an Event naming the annotation, nothing written",
          arguments: Backend.allCases)
    func withoutConsent(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            // Consent for a different Certificate, or one of another kind, is not consent for this one.
            let before = try await foreignSecret(h, annotations: [KeywardAnnotations.allowAdoption: "Certificate/other, SecretRotation/web"])
            try await h.create("web", adopting())
            try await h.reconcile("web")
            let ready = try #require(try await h.condition("web"))
            #expect(ready.status == .false && ready.reason == Certificate.Reason.secretNotOwned)
            #expect(ready.message.contains("keyward.dev/allow-adoption=Certificate/web"), "\(ready.message)")
            #expect(await h.sink.events.contains { $0.type == .warning && $0.reason == Certificate.Reason.secretNotOwned })
            let after = try #require(try await h.secret("web-tls"))
            #expect(after.data == before.data && after.metadata.labels == before.metadata.labels
                && after.metadata.annotations == before.metadata.annotations)
            #expect(after.metadata.resourceVersion == before.metadata.resourceVersion)
        }
    }

    @Test("with keyward.dev/allow-adoption naming it, the Certificate adopts the Secret and marks it as its own",
          arguments: Backend.allCases)
    func withConsent(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            _ = try await foreignSecret(h, annotations: [KeywardAnnotations.allowAdoption: "SecretRotation/x, Certificate/web"])
            try await h.create("web", adopting())
            try await h.converge("web")
            #expect(try await h.condition("web")?.status == .true)
            let secret = try #require(try await h.secret("web-tls"))
            #expect(secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue)
            #expect(secret.metadata.annotations[KeywardAnnotations.certificateName] == "web")
            #expect(try await h.leaf(ofSecret: "web-tls").dnsNames == ["web.example.com"])
        }
    }

    @Test("without adoptExistingSecret the consent annotation alone adopts nothing", arguments: Backend.allCases)
    func consentWithoutAdoptionIsNotEnough(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let before = try await foreignSecret(h, annotations: [KeywardAnnotations.allowAdoption: "Certificate/web"])
            var spec = adopting()
            spec.adoptExistingSecret = false
            try await h.create("web", spec)
            try await h.reconcile("web")
            #expect(try await h.condition("web")?.reason == Certificate.Reason.secretNotOwned)
            #expect(try await h.secret("web-tls")?.data == before.data)
        }
    }
}
