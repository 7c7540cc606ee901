import ACME
@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import Testing
import X509

/// The reconciler consults a signer's renewal advisor (ACME ARI): a CA window earlier than renewBefore's time wins
/// (status.renewalTime, a renewal when it has come), a later one changes nothing, and the advisor's Retry-After
/// brings the Certificate back. The window moment itself is uniform over Certificates and stable for one.
@Suite("Renewal advice (ACME Renewal Information)")
struct RenewalAdviceTests {
    /// Self-signed signing with a fixed renewal suggestion.
    struct AdvisedSigner: CertificateSigner {
        let advice: RenewalAdvice
        var displayName: String { "selfSigned" }
        var expectedIssuer: X509.Certificate? { nil }
        var renewalAdvisor: (any RenewalAdvisor)? { FixedAdvisor(advice: advice) }

        func sign(_ request: SigningRequest) async throws -> SigningOutcome {
            try await LocalSigning.sign(request, with: .selfSigned, displayName: displayName)
        }
    }

    struct FixedAdvisor: RenewalAdvisor {
        let advice: RenewalAdvice
        func advice(for leaf: X509.Certificate, now: Date) async -> RenewalAdvice? { advice }
    }

    /// A CertID is public (the issuer's key identifier and the serial): a tenant's own ACME server may answer for
    /// another tenant's certificate, and that answer must stay with that server. A full cache drops expired answers
    /// first, then the soonest to expire, never everyone's at once.
    @Test("ARI answers are cached per ACME server, and a full cache evicts one at a time")
    func renewalInfoIsCachedPerServer() async throws {
        let clients = ACMEClients(capacity: 1)
        let key = ACMEAccountKey.generateP256()
        let real = await clients.client(server: URL(string: "https://127.0.0.1:14000/dir")!, caBundle: nil, accountKey: key,
                                        accountURL: nil, egress: .unrestricted)
        let tenants = await clients.client(server: URL(string: "https://127.0.0.1:15000/dir")!, caBundle: nil, accountKey: key,
                                           accountURL: nil, egress: .unrestricted)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let past = ACMERenewalInfo(windowStart: now.addingTimeInterval(-7200), windowEnd: now.addingTimeInterval(-3600))
        await clients.storeRenewalInfo(past, certID: "aki.serial", from: tenants, until: now.addingTimeInterval(86_400), now: now)
        #expect(await clients.cachedRenewalInfo("aki.serial", from: tenants, now: now)?.info == past)
        #expect(await clients.cachedRenewalInfo("aki.serial", from: real, now: now) == nil)

        // Capacity 1 keeps 4 answers: a fifth evicts exactly one, the soonest to expire.
        for index in 0..<3 {
            await clients.storeRenewalInfo(nil, certID: "id\(index)", from: real, until: now.addingTimeInterval(Double(100 + index)), now: now)
        }
        await clients.storeRenewalInfo(nil, certID: "new", from: real, until: now.addingTimeInterval(600), now: now)
        #expect(await clients.cachedRenewalInfo("id0", from: real, now: now) == nil)
        for id in ["id1", "id2", "new"] { #expect(await clients.cachedRenewalInfo(id, from: real, now: now) != nil) }
        #expect(await clients.cachedRenewalInfo("aki.serial", from: tenants, now: now) != nil)
    }

    static func spec() -> KeywardAPI.Certificate.Spec {
        KeywardAPI.Certificate.Spec(secretName: "ari-tls", issuer: .init(selfSigned: .init()), commonName: "ari.example.com",
                         dnsNames: ["ari.example.com"], duration: "2160h")
    }

    @Test("an earlier CA window sets the renewal time and renews when it comes; a later one is ignored", arguments: Backend.allCases)
    func earlierWindowWins(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            var reconciler = h.reconciler
            try await h.create("ari", Self.spec())
            try await h.converge("ari")
            let issued = try #require(try await h.certificate("ari").status)
            let scheduled = try #require(issued.renewalTime)
            let serial = try #require(issued.serialNumber)

            // A window after renewBefore's time: nothing changes.
            let later = RenewalAdvice(renewalTime: scheduled.addingTimeInterval(86_400), recheckAfter: h.clock.now.addingTimeInterval(21_600))
            reconciler.issuers.signerOverride = { _ in AdvisedSigner(advice: later) }
            let result = try await reconciler.reconcile(ObjectKey(namespace: h.namespace, name: "ari"))
            #expect(try await h.certificate("ari").status?.renewalTime == scheduled)
            // Back at the CA's Retry-After at the latest, to ask again.
            #expect(try #require(result.requeueAfter) <= 21_600)

            // The CA moves the window forward (e.g. it will revoke): the renewal time follows, no renewal yet.
            let soon = h.clock.now.addingTimeInterval(3600)
            let earlier = RenewalAdvice(renewalTime: soon, recheckAfter: h.clock.now.addingTimeInterval(600))
            reconciler.issuers.signerOverride = { _ in AdvisedSigner(advice: earlier) }
            _ = try await reconciler.reconcile(ObjectKey(namespace: h.namespace, name: "ari"))
            let moved = try #require(try await h.certificate("ari").status)
            #expect(moved.renewalTime == soon)
            #expect(moved.serialNumber == serial)

            // Once that moment has come, the certificate is renewed.
            h.clock.advance(by: 3601)
            _ = try await reconciler.reconcile(ObjectKey(namespace: h.namespace, name: "ari"))
            let renewed = try #require(try await h.certificate("ari").status)
            #expect(renewed.serialNumber != serial)
        }
    }

    @Test("the moment inside a window is inside it, stable for one seed, spread over seeds, and now for a past window")
    func momentInWindow() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let info = ACMERenewalInfo(windowStart: now.addingTimeInterval(86_400), windowEnd: now.addingTimeInterval(2 * 86_400))
        let moments = (0..<200).map { ACMERenewalAdvisor.moment(in: info, seed: "uid-\($0)", now: now) }
        #expect(moments.allSatisfy { $0 >= info.windowStart && $0 <= info.windowEnd })
        #expect(ACMERenewalAdvisor.moment(in: info, seed: "uid-7", now: now) == moments[7])
        // Spread: both halves of the window are used.
        let middle = info.windowStart.addingTimeInterval(43_200)
        #expect(moments.contains { $0 < middle } && moments.contains { $0 > middle })
        let past = ACMERenewalInfo(windowStart: now.addingTimeInterval(-7200), windowEnd: now.addingTimeInterval(-3600))
        #expect(ACMERenewalAdvisor.moment(in: past, seed: "x", now: now) == now)
    }
}
