import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
import Testing

/// The operator end to end under faults: the API misbehaving, the controller process killed at random moments,
/// two controller processes competing for the Lease. Every wait is bounded; tests assert on outcomes and on the
/// order of recorded events, never on durations.
@Suite("Operator fault suite", .serialized)
struct OperatorFaultSuiteTests {
    /// 5% of requests answered 500/504, 409 conflicts on Certificate and Secret writes, watches cut every 300 ms,
    /// the watch history expired once and every answer slowed: every Certificate still ends Ready and consistent,
    /// with exactly one Secret each.
    @Test func certificatesConvergeUnderAPIFaults() async throws {
        let namespace = "faulty"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        let names = [FaultWorkload.caName] + (0..<30).map { "leaf-\($0)" }
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .namespace(namespace))
        operatorUnderTest.start()

        await cluster.server.faults.setFailRate(0.05, seed: 2024)
        await cluster.server.faults.setDelay(.milliseconds(2))
        await cluster.server.faults.conflictNext(15, resource: "certificates")
        await cluster.server.faults.conflictNext(10, resource: "secrets")
        let chaos = Task {
            var round = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(300))
                round += 1
                if round == 5 { await cluster.server.faults.expireResourceVersions() }
                await cluster.server.faults.cutWatches()
            }
        }
        try await cluster.create(FaultWorkload.ca(namespace))
        for name in names.dropFirst() { try await cluster.create(FaultWorkload.leaf(name, namespace)) }

        var problems: [String] = []
        let converged = await within(120) {
            problems = (try? await convergenceProblems(cluster, namespace: namespace, expected: names)) ?? ["cannot list"]
            return problems.isEmpty
        }
        chaos.cancel()
        await chaos.value
        await cluster.server.faults.reset()
        #expect(converged, "not converged: \(problems.prefix(10))")

        // The faults reached the operator itself.
        let codes = Set(await cluster.server.requestLog().filter { $0.user == "keyward" }.map(\.code))
        #expect(codes.contains(500) && codes.contains(504) && codes.contains(409), "codes seen: \(codes.sorted())")
        // Exactly one Secret per Certificate, created once each.
        let secretCreates = await cluster.writes(by: "keyward", resources: ["secrets"], namespace: namespace)
            .filter { $0.verb == .create }
        #expect(Dictionary(grouping: secretCreates, by: { $0.name ?? "" }).values.allSatisfy { $0.count == 1 })
        #expect(secretCreates.count == names.count)

        #expect(await operatorUnderTest.stop())
        await cluster.stop()
    }

    /// Crash chaos: 200 Certificates and 20 SecretRotations (every strategy, a rotation requested before each run),
    /// and `keyward controller` SIGKILLed at random moments while it works, ten times, with spec edits in between;
    /// then one last run. Afterwards every Certificate is Ready with a matching key, every rotation is Idle and
    /// Ready having done the last rotation asked of it, no rotation ever lost both its old and its new value (checked
    /// after every kill by ``RotationLedger``), there are no orphaned or duplicate Secrets, revisions only ever grew,
    /// and no log line, Event or status ever showed a private key or a generated secret value.
    @Test func crashChaosLeavesEveryCertificateConsistent() async throws {
        let namespace = "chaos"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        let kubeconfig = try cluster.kubeconfig(for: "keyward")
        let names = [FaultWorkload.caName] + (0..<200).map { "leaf-\($0)" }
        try await cluster.create(FaultWorkload.ca(namespace))
        for name in names.dropFirst() { try await cluster.create(FaultWorkload.leaf(name, namespace)) }
        for name in RotationWorkload.names { try await cluster.create(RotationWorkload.rotation(name, namespace)) }
        var ledger = RotationLedger()

        var random = SeededRandom(seed: 0x6b65_7977)
        var logs: [String] = []
        var previous: [String: Revisions] = [:]
        var shrinking: [String] = []
        var revisionsAtEdit: [String: Revisions] = [:]
        for round in 0..<10 {
            let before = await cluster.server.requestLog().filter { $0.user == "keyward" }.count
            // Every run finds a rotation to do (or to finish) for every SecretRotation.
            try await cluster.requestRotations("round-\(round)", namespace: namespace)
            let controller = try ControllerProcess(
                kubeconfig: kubeconfig, logPath: cluster.directory.path("controller-\(round).log"),
                extraArguments: ["--max-issuance-rate", "40"])
            // Kill at a random moment once it is at work (not while the process is still starting).
            let working = await within(30) {
                await cluster.server.requestLog().filter { $0.user == "keyward" }.count > before + 2
            }
            #expect(working, "round \(round): the controller never reached the API server")
            try await Task.sleep(for: .milliseconds(Int(random.next() % 1_500)))
            await controller.kill()
            logs.append(controller.log)
            ledger.record(try await cluster.rotationSnapshots(namespace: namespace), at: "round \(round)")

            let now = try await revisions(cluster, namespace: namespace)
            for (name, seen) in now {
                if let old = previous[name], seen.status < old.status || seen.secret < old.secret {
                    shrinking.append("round \(round): \(name) went from \(old) to \(seen)")
                }
            }
            previous = now
            if round == 4 {
                // Spec edits while the operator is down: these must be reissued, with higher revisions.
                revisionsAtEdit = now
                for i in 0..<10 {
                    try await cluster.edit("leaf-\(i)", namespace: namespace) { $0.spec.dnsNames.append("extra-\(i).svc") }
                }
            }
        }

        let beforeLast = try await cluster.rotationSnapshots(namespace: namespace)
        try await cluster.requestRotations("final", namespace: namespace)
        let last = try ControllerProcess(kubeconfig: kubeconfig, logPath: cluster.directory.path("controller-last.log"),
                                         extraArguments: ["--max-issuance-rate", "40"])
        var problems: [String] = []
        let converged = await within(120) {
            problems = (try? await convergenceProblems(cluster, namespace: namespace, expected: names)) ?? ["cannot list"]
            let rotations = (try? await cluster.rotationSnapshots(namespace: namespace)) ?? [:]
            problems += RotationWorkload.names.filter { name in
                guard let r = rotations[name] else { return true }
                return r.phase != .idle || !r.ready || r.lastRotateRequest != "final"
            }.map { "\($0): not Idle and Ready after the final rotation" }
            return problems.isEmpty
        }
        let status = await last.terminate()
        logs.append(last.log)
        #expect(converged, "not converged: \(problems.prefix(10))")
        #expect(status == 0, "a SIGTERMed controller exits 0")

        let final = try await revisions(cluster, namespace: namespace)
        for (name, seen) in final {
            if let old = previous[name], seen.status < old.status || seen.secret < old.secret {
                shrinking.append("final: \(name) went from \(old) to \(seen)")
            }
        }
        #expect(shrinking.isEmpty, "\(shrinking.prefix(10))")

        // Rotations: consistent across every kill, and the final request rotated each one that was Idle before it.
        let rotated = try await cluster.rotationSnapshots(namespace: namespace)
        ledger.record(rotated, at: "final")
        #expect(ledger.problems.isEmpty, "\(ledger.problems.prefix(10))")
        for name in RotationWorkload.names {
            guard let before = beforeLast[name], before.phase == .idle, let after = rotated[name] else { continue }
            #expect(after.revision == (before.revision ?? 0) + 1, "\(name): \(before) → \(after)")
            #expect(after.committed != nil && after.committed != before.committed, "\(name) was not rotated by the last run")
        }
        // One Secret per rotation, created once, naming its rotation; no other Secret claims a rotation.
        let rotationSecrets = try await cluster.admin.listAll(Secret.self, in: .namespace(namespace)).items
            .filter { $0.metadata.annotations[KeywardAnnotations.secretRotationName] != nil }
        #expect(Set(rotationSecrets.map(\.metadata.name)) == Set(RotationWorkload.names.map(RotationWorkload.secretName)))
        #expect(rotationSecrets.allSatisfy {
            $0.metadata.name == RotationWorkload.secretName($0.metadata.annotations[KeywardAnnotations.secretRotationName] ?? "")
        })
        let rotationSecretCreates = await cluster.writes(by: "keyward", resources: ["secrets"], namespace: namespace)
            .filter { $0.verb == .create && ($0.name ?? "").hasSuffix("-values") }
        #expect(Dictionary(grouping: rotationSecretCreates, by: { $0.name ?? "" }).mapValues(\.count)
                == Dictionary(uniqueKeysWithValues: RotationWorkload.names.map { (RotationWorkload.secretName($0), 1) }))
        for i in 0..<10 {
            let name = "leaf-\(i)"
            let edited = try await cluster.admin.get(Certificate.self, name: name, namespace: namespace)
            let secret = try await cluster.admin.get(Secret.self, name: edited.spec.secretName, namespace: namespace)
            let leaf = try CertificateInfo(try #require(try PEMBundle.certificates(from: secret.string("tls.crt") ?? "").first))
            #expect(leaf.dnsNames.contains("extra-\(i).svc"), "\(name) was reissued for its new spec")
            if let before = revisionsAtEdit[name], before.status >= 1 {
                #expect((edited.status?.revision ?? 0) > before.status, "\(name) was issued before the edit and again after")
            }
        }

        // Secrets stay secret: no log line, Event or status carries any of the keys, or any PEM private key at all.
        let secrets = try await cluster.admin.listAll(Secret.self, in: .namespace(namespace)).items
        let keyLines = secrets.compactMap { $0.string("tls.key") }.flatMap(pemBodyLines)
        #expect(keyLines.count > 200)
        let events = try await cluster.admin.listAll(KubernetesResources.Event.self, in: .namespace(namespace)).items
        let certificates = try await cluster.admin.listAll(Certificate.self, in: .namespace(namespace)).items
        let rotations = try await cluster.admin.listAll(SecretRotation.self, in: .namespace(namespace)).items
        var corpus = logs
        corpus += try events.map { try JSONValue(encoding: $0).jsonString }
        corpus += try certificates.map { try JSONValue(encoding: $0.status).jsonString }
        corpus += try rotations.map { try JSONValue(encoding: $0).jsonString }
        #expect(events.count > 0 && corpus.joined().count > 10_000, "the scanned corpus is not empty")
        let leaks = corpus.enumerated().filter { _, text in
            text.contains("PRIVATE KEY") || keyLines.contains { text.contains($0) }
        }
        #expect(leaks.isEmpty, "private key material in \(leaks.count) scanned texts")
        // …nor any value a SecretRotation generated, current or replaced, raw or base64.
        #expect(ledger.values.count >= RotationWorkload.count * RotationWorkload.valueKeys.count * 2)
        let valueLeaks = secretValueLeaks(ledger.values, in: corpus)
        #expect(valueLeaks.isEmpty, "generated secret values in \(valueLeaks.prefix(5))")
        await cluster.stop()
    }

    /// Two `keyward controller --leader-elect` processes with their own tokens. Only the leader writes; after a
    /// SIGKILL the other takes over once the Lease expires; after a SIGTERM the leader releases the Lease and the
    /// other takes over at once. Checked through the API server's write log.
    @Test func twoControllerProcessesNeverBothReconcile() async throws {
        let namespace = "elected"
        let cluster = try await OperatorCluster.start(users: ["replica-a", "replica-b"],
                                                      namespaces: [namespace, "keyward-system"])
        let leaseArguments = ["--leader-elect", "--lease-namespace", "keyward-system"]
        func lease() async throws -> Lease {
            try await cluster.admin.get(Lease.self, name: "keyward-controller", namespace: "keyward-system")
        }
        func leaseWriters() async -> [String] {
            await cluster.server.writeLog().filter { $0.resource == "leases" }.map(\.user)
        }
        func reconcilers() async -> [String] {
            await cluster.writes(resources: ["certificates", "secrets", "events"], namespace: namespace)
                .filter { $0.user != "admin" }.writerRuns
        }

        let a = try ControllerProcess(kubeconfig: try cluster.kubeconfig(for: "replica-a"),
                                      logPath: cluster.directory.path("a.log"), extraArguments: leaseArguments)
        #expect(await within(60) { await leaseWriters().contains("replica-a") })
        let b = try ControllerProcess(kubeconfig: try cluster.kubeconfig(for: "replica-b"),
                                      logPath: cluster.directory.path("b.log"), extraArguments: leaseArguments)
        #expect(await within(60) { b.log.contains("caches synced") })
        let identityA = try #require(try await lease().spec.holderIdentity)

        var names = [FaultWorkload.caName] + (0..<10).map { "first-\($0)" }
        try await cluster.create(FaultWorkload.ca(namespace))
        for name in names.dropFirst() { try await cluster.create(FaultWorkload.leaf(name, namespace)) }
        #expect(await within(90) { (try? await convergenceProblems(cluster, namespace: namespace, expected: names))?.isEmpty == true })
        #expect(await reconcilers() == ["replica-a"])

        // SIGKILL: the Lease keeps a's name until it expires; only then may b take it.
        await a.kill()
        let abandoned = try await lease()
        #expect(abandoned.spec.holderIdentity == identityA)
        let lastRenewal = try #require(abandoned.spec.renewTime?.date)
        let duration = TimeInterval(abandoned.spec.leaseDurationSeconds ?? 15)
        names += (0..<5).map { "second-\($0)" }
        for name in names.suffix(5) { try await cluster.create(FaultWorkload.leaf(name, namespace)) }
        #expect(await within(90) { (try? await convergenceProblems(cluster, namespace: namespace, expected: names))?.isEmpty == true })
        let takenOver = try await lease()
        let identityB = try #require(takenOver.spec.holderIdentity)
        #expect(identityB != identityA)
        #expect(try #require(takenOver.spec.acquireTime?.date) >= lastRenewal.addingTimeInterval(duration),
                "b acquired no earlier than a's Lease expired")
        #expect(await reconcilers() == ["replica-a", "replica-b"])

        // a comes back as a standby; SIGTERM to b releases the Lease, so a takes over long before it could expire.
        let a2 = try ControllerProcess(kubeconfig: try cluster.kubeconfig(for: "replica-a"),
                                       logPath: cluster.directory.path("a2.log"), extraArguments: leaseArguments)
        #expect(await within(60) { a2.log.contains("caches synced") })
        let heldByB = try await lease()
        #expect(heldByB.spec.holderIdentity == identityB)
        let renewedByB = try #require(heldByB.spec.renewTime?.date)
        #expect(await b.terminate() == 0, "a SIGTERMed leader exits 0")
        #expect(try await lease().spec.holderIdentity != identityB, "the Lease was released on the way out")
        names += (0..<5).map { "third-\($0)" }
        for name in names.suffix(5) { try await cluster.create(FaultWorkload.leaf(name, namespace)) }
        #expect(await within(60) { (try? await convergenceProblems(cluster, namespace: namespace, expected: names))?.isEmpty == true })
        let released = try await lease()
        #expect(released.spec.holderIdentity != nil && released.spec.holderIdentity != identityB)
        #expect(try #require(released.spec.acquireTime?.date) < renewedByB.addingTimeInterval(TimeInterval(heldByB.spec.leaseDurationSeconds ?? 15)),
                "taken over before b's Lease could have expired: it was released")
        #expect(await reconcilers() == ["replica-a", "replica-b", "replica-a"])

        #expect(await a2.terminate() == 0)
        await cluster.stop()
    }

    /// Revisions of every Certificate (status) and its Secret (annotation); -1 where there is none yet.
    struct Revisions: CustomStringConvertible {
        var status: Int
        var secret: Int
        var description: String { "status \(status), secret \(secret)" }
    }

    private func revisions(_ cluster: OperatorCluster, namespace: String) async throws -> [String: Revisions] {
        let certificates = try await cluster.admin.listAll(Certificate.self, in: .namespace(namespace)).items
        let secrets = try await cluster.admin.listAll(Secret.self, in: .namespace(namespace)).items
        let secretRevisions = Dictionary(secrets.map {
            ($0.metadata.name, Int($0.metadata.annotations[KeywardAnnotations.revision] ?? "") ?? -1)
        }, uniquingKeysWith: max)
        return Dictionary(certificates.map {
            ($0.metadata.name, Revisions(status: $0.status?.revision ?? -1, secret: secretRevisions[$0.spec.secretName] ?? -1))
        }, uniquingKeysWith: { a, _ in a })
    }
}

/// The base64 lines of a PEM body, long enough that finding one elsewhere cannot be chance.
func pemBodyLines(_ pem: String) -> [String] {
    pem.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.hasPrefix("-----") && $0.count >= 24 }
}

/// A small deterministic generator: the chaos schedule is the same on every run.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == WriteRecord {
    /// Writers in order with consecutive writes by the same one collapsed: `["a", "b"]` means all of a's writes
    /// came before all of b's.
    var writerRuns: [String] {
        var runs: [String] = []
        for record in self where runs.last != record.user { runs.append(record.user) }
        return runs
    }
}
