import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Testing

/// The operator's values-hash key: kept in an operator-owned Secret (or standalone's state folder), created once,
/// and used for status.candidateHash and pod-template stamps, so neither can be checked against a guessed value.
@Suite("Keyed candidate hashes and stamps")
struct KeyedHashTests {
    @Test("the key Secret is created once, reused by every replica, and an edited one is refused without echoing it")
    func secretKeySource() async throws {
        try await Harness.with { h in
            _ = try await h.client.create(Namespace(name: "keyward-system"))
            let first = SecretHashKeySource(store: h.store, namespace: "keyward-system")
            let key = try await first.key()
            #expect(key.count == 32)
            let replica = SecretHashKeySource(store: h.store, namespace: "keyward-system")
            #expect(try await replica.key() == key)
            var secret = try #require(try await h.store.get(Secret.self, namespace: "keyward-system", name: SecretHashKeySource.defaultName))
            #expect(secret.metadata.labels[KeywardLabels.owned] == nil, "not in the watched cache of owned Secrets")

            secret.data["key"] = Data("zq-bogus".utf8)
            _ = try await h.store.update(secret)
            let error = await #expect(throws: ValuesHashKeyError.self) {
                try await SecretHashKeySource(store: h.store, namespace: "keyward-system").key()
            }
            #expect(error?.description.contains("keyward-system/keyward-hash-key") == true)
            #expect(error?.description.contains("zq-bogus") == false)
        }
    }

    @Test("standalone keeps the key in its state folder, mode 0600, created once")
    func fileKeySource() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-hashkey")
        let source = FileHashKeySource(stateDirectory: directory.url.path)
        let key = try await source.key()
        #expect(key.count == 32)
        #expect(try await FileHashKeySource(stateDirectory: directory.url.path).key() == key)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path(FileHashKeySource.fileName))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a rotation keys status.candidateHash and the consumers' stamp; the plain hash of the value shows nowhere")
    func keyedRotation() async throws {
        try await Harness.with { h in
            _ = try await h.client.create(Namespace(name: "keyward-system"))
            let service = try LoopbackHTTPServer { _ in 200 }
            defer { service.stop() }
            var options = SecretRotationReconciler.Options()
            options.hashKey = SecretHashKeySource(store: h.store, namespace: "keyward-system")
            let reconciler = SecretRotationReconciler(store: h.store, events: h.events, clock: h.clock, options: options,
                                                      probe: h.probe, metrics: h.metrics)
            try await h.createDeployment("api", usingSecret: "db")
            try await h.create("db", .db(.staged, verifyURL: service.url,
                                         consumers: .init(workloads: [.init(kind: .deployment, name: "api")])))
            try await h.reconcile("db", with: reconciler)
            h.clock.advance(by: 3600)
            var seenHashes: [String] = []
            for _ in 0..<20 {
                try await h.reconcile("db", with: reconciler)
                if let hash = try await h.status("db").candidateHash { seenHashes.append(hash) }
                if try await h.status("db").phase == .idle, try await h.status("db").revision == 2 { break }
                try await h.completeAllRollouts()
            }
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2)
            #expect(!seenHashes.isEmpty && seenHashes.allSatisfy { $0.hasPrefix(ValuesHasher.keyedPrefix) }, "\(seenHashes)")
            let live = try await h.data("db").filter { $0.key == "password" }
            let key = try await SecretHashKeySource(store: h.store, namespace: "keyward-system").key()
            let keyed = try #require(ValuesHasher(key: key))
            #expect(try await h.stamp("api", secret: "db") == ValuesHash.revisionStamp(valuesHash: keyed.of(live)))
            #expect(try await h.stamp("api", secret: "db") != ValuesHash.revisionStamp(valuesHash: ValuesHash.of(live)))
            #expect(!seenHashes.contains(ValuesHash.of(live)))
        }
    }
}
