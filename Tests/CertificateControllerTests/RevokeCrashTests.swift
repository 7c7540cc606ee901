@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import Testing

/// A controller killed after any write of a revoke, then restarted from what is durable, finishes the revoke exactly
/// once: the old serial is on the CA's CRL, a replacement with a new key is stored and Ready, the request is removed
/// only once that replacement is stored, and the revoked certificate is never reported Ready.
@Suite("Revoke survives a crash at every write")
struct RevokeCrashTests {
    /// A CA and a converged leaf with a revoke request on it; returns the serial being revoked.
    static func prepare(_ h: Harness) async throws -> String {
        try await h.create("root-ca", .rootCA())
        try await h.create("web", .leaf())
        try await h.converge("root-ca", "web")
        try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
        return try await h.leaf(ofSecret: "web-tls").serialHex.uppercased()
    }

    static func reconciler(_ h: Harness, store: any ResourceStore) -> CertificateReconciler {
        CertificateReconciler(store: store, events: EventRecorder(sink: h.sink, clock: h.clock), clock: h.clock)
    }

    static func storedSerial(_ h: Harness) async throws -> String? {
        CertificateReconciler.storedLeaf(try await h.secret("web-tls"))?.serial
    }

    /// What must hold at every durable point: the request is gone only if a replacement is stored, and the revoked
    /// serial is never reported Ready.
    static func checkDurablePoint(_ h: Harness, old: String, at point: String) async throws {
        let web = try await h.certificate("web")
        let stored = try await storedSerial(h)
        if web.metadata.annotations[KeywardAnnotations.revoke] == nil {
            #expect(stored != nil && stored != old, "\(point): the request was consumed but \(old) is still stored")
        }
        if stored == old, web.status?.revokedCertificates.contains(where: { $0.serialNumber == old }) == true {
            #expect(web.status?.conditions[type: Certificate.ConditionType.ready]?.status != .true,
                    "\(point): the revoked certificate is reported Ready")
        }
    }

    @Test("every kill point ends with the old serial revoked once and a Ready replacement", arguments: Backend.allCases)
    func everyKillPoint(_ backend: Backend) async throws {
        // A reference run counts the writes one revoke pass makes.
        var total = 0
        try await Harness.with(backend) { h in
            _ = try await Self.prepare(h)
            let counting = CrashingStore(h.store, killAfter: nil)
            _ = try await Self.reconciler(h, store: counting).reconcile(ObjectKey(namespace: h.namespace, name: "web"))
            total = counting.writes
            // CA Secret (CRL truth), ConfigMap, request marker, revoked status, Secret, issued status, request removal.
            #expect(total >= 7, "writes: \(counting.log)")
        }

        for kill in 1...max(total, 1) {
            try await Harness.with(backend) { h in
                let old = try await Self.prepare(h)
                let crashing = CrashingStore(h.store, killAfter: kill)
                await #expect(throws: Killed.self, "kill \(kill)") {
                    try await Self.reconciler(h, store: crashing).reconcile(ObjectKey(namespace: h.namespace, name: "web"))
                }
                let point = "kill after write \(kill) (\(crashing.log.last ?? "-"))"
                try await Self.checkDurablePoint(h, old: old, at: point)

                // Restarted: a new instance over the real store; every pass keeps the invariants.
                for pass in 0..<6 {
                    try await h.reconcile("root-ca")
                    try await h.reconcile("web")
                    try await Self.checkDurablePoint(h, old: old, at: "\(point), pass \(pass)")
                }

                let web = try await h.certificate("web")
                let stored = try #require(try await Self.storedSerial(h), "\(point)")
                #expect(stored != old, "\(point)")
                #expect(web.metadata.annotations[KeywardAnnotations.revoke] == nil, "\(point)")
                #expect(web.metadata.annotations[RevokeProgress.revokingAnnotation] == nil, "\(point)")
                #expect(web.status?.revokedCertificates.map(\.serialNumber) == [old], "\(point)")
                #expect(web.status?.serialNumber == stored, "\(point)")
                #expect(web.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true, "\(point)")
                let secret = try #require(try await h.secret("web-tls"))
                let key = try PrivateKey(pemEncoded: try #require(secret.string(CertificateSecret.privateKeyKey)))
                #expect(key.matches(try #require(CertificateReconciler.storedLeaf(secret)?.leaf)), "\(point)")

                // Exactly one revocation on the CA's CRL (number 1 at the CA's start, 2 for the revoke), in the truth
                // and in the published ConfigMap alike.
                let truth = try CertificateRevocationList(pemEncoded: try #require(
                    try await h.secret("root-ca")?.string(CertificateSecret.crlKey)))
                let published = try CertificateRevocationList(pemEncoded: try #require(
                    try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl")?.data?[CRLPublisher.pemKey]))
                #expect(truth == published, "\(point)")
                #expect(truth.entries.map { $0.serialHex.uppercased() } == [old], "\(point)")
                #expect(truth.crlNumber == 2, "\(point)")
            }
        }
    }
}
