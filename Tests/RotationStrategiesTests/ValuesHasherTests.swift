import Foundation
import RotationStrategies
import Testing

/// Keyed value hashes: what status and pod templates show cannot be checked against a guess without the operator's
/// key, and hashes written before keys existed still work for the rotation in flight.
@Suite("Keyed value hashes")
struct ValuesHasherTests {
    static let key = Data((0..<32).map { UInt8($0) })
    static let keyed = ValuesHasher(key: key)!

    @Test("keyed hashes are HMAC-SHA256, prefixed, and differ from plain SHA-256 and between keys")
    func keyedHashes() throws {
        let values = ["password": Data("hunter2".utf8)]
        let hash = Self.keyed.of(values)
        #expect(hash.hasPrefix(ValuesHasher.keyedPrefix))
        let hex = hash.dropFirst(ValuesHasher.keyedPrefix.count)
        #expect(hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(!hash.contains(ValuesHash.of(values)), "the plain, guessable hash shows through")
        let other = try #require(ValuesHasher(key: Data(repeating: 7, count: 32)))
        #expect(other.of(values) != hash)
        #expect(Self.keyed.of(values) == hash, "deterministic for one key")
        #expect(Self.keyed.of(["password": Data("hunter3".utf8)]) != hash)
        // The stamp on pod templates derives from the keyed hash.
        #expect(ValuesHash.revisionStamp(valuesHash: hash) != ValuesHash.revisionStamp(valuesHash: ValuesHash.of(values)))
    }

    @Test("matching: keyed hashes under the same key only; plain hashes from before keys existed still match")
    func matching() throws {
        let values = ["token": Data("abc".utf8)]
        #expect(Self.keyed.matches(values, Self.keyed.of(values)))
        #expect(Self.keyed.matches(values, ValuesHash.of(values)), "a legacy plain hash still compares")
        #expect(!Self.keyed.matches(["token": Data("abd".utf8)], ValuesHash.of(values)))
        let other = try #require(ValuesHasher(key: Data(repeating: 9, count: 32)))
        #expect(!other.matches(values, Self.keyed.of(values)))
        #expect(!ValuesHasher.unkeyed.matches(values, Self.keyed.of(values)), "no key, no keyed match")
        #expect(!Self.keyed.matches(values, ValuesHasher.keyedPrefix + "00"))
        #expect(ValuesHasher.isPlain(ValuesHash.of(values)) && !ValuesHasher.isPlain(Self.keyed.of(values)))
    }

    @Test("short keys are refused; the key never shows in a description or a dump")
    func keyHygiene() {
        #expect(ValuesHasher(key: Data(repeating: 1, count: 15)) == nil)
        #expect(ValuesHasher.generateKey().count == 32 && ValuesHasher.generateKey() != ValuesHasher.generateKey())
        var dumped = ""
        dump(Self.keyed, to: &dumped)
        let texts = ["\(Self.keyed)", String(reflecting: Self.keyed), dumped, "\(RotationMachine(policy: RotationPolicy(strategy: .staged), valueKeys: ["a"], hasher: Self.keyed))"]
        let keyHex = Self.key.map { String(format: "%02x", $0) }.joined()
        for text in texts {
            #expect(!text.contains(keyHex) && !text.contains(Self.key.base64EncodedString()) && !text.contains("0, 1, 2, 3"),
                    "\(text)")
        }
    }

    /// A rotation started by a controller without the key (plain candidate hash persisted), killed after each write,
    /// then finished by one with the key: it completes with the verified value, and every hash it writes is keyed.
    @Test("a rotation in flight across the upgrade finishes; what the keyed controller writes is keyed",
          arguments: [StrategyKind.staged, .blueGreen, .immediate])
    func migration(_ strategy: StrategyKind) async throws {
        let policy = RotationPolicy(strategy: strategy, verifies: true, tracksConsumers: true)
        let plainRunner = RotationRunner(policy: policy, keys: [Fixtures.password, Fixtures.token])
        let keyedRunner = RotationRunner(policy: policy, keys: [Fixtures.password, Fixtures.token], hasher: Self.keyed)
        let start = try await Fixtures.provisioned(plainRunner, consumers: 1)
        let old = try #require(plainRunner.machine.layout.committed(in: start.data))

        for kill in 1...6 {
            let env = MemoryEnvironment(durable: start)
            env.now = env.now.addingTimeInterval(3600)
            env.killAfterWrite = kill
            var runner = plainRunner
            var switchedAt: Int?
            for _ in 0..<40 {
                let triggers = RotationRunner.Triggers(scheduleDue: env.durable.state.lastRotationTime == start.state.lastRotationTime)
                do {
                    let (stop, _) = try await runner.run(state: env.durable.state, data: env.durable.data, triggers: triggers,
                                                         environment: env)
                    if case .waiting = stop { env.now = env.now.addingTimeInterval(5); continue }
                    break
                } catch is Killed {
                    env.killAfterWrite = nil
                    runner = keyedRunner  // restarted by the upgraded controller
                    switchedAt = env.snapshots.count
                }
            }
            let end = env.durable
            let committed = try #require(keyedRunner.machine.layout.committed(in: end.data), "kill \(kill)")
            #expect(switchedAt != nil, "kill \(kill): never killed")
            #expect(end.state.phase == .idle && committed != old, "kill \(kill): \(end.state.phase)")
            #expect(env.verified.contains(ValuesHash.of(committed)), "kill \(kill): the live value was never verified")
            #expect(!end.data.keys.contains { $0.hasSuffix(".pending") }, "kill \(kill)")
            // After the switch, every candidate hash persisted is the one carried over from before, or keyed.
            let carried = switchedAt.flatMap { env.snapshots[max(0, $0 - 1)].state.candidateHash }
            for snapshot in env.snapshots.dropFirst(switchedAt ?? env.snapshots.count) {
                if let hash = snapshot.state.candidateHash {
                    #expect(hash == carried || !ValuesHasher.isPlain(hash), "kill \(kill): a new plain hash \(hash)")
                }
            }
            let stamps: Set<String?> = [ValuesHash.revisionStamp(valuesHash: Self.keyed.of(committed)),
                                        ValuesHash.revisionStamp(valuesHash: ValuesHash.of(committed))]
            #expect(end.consumers.allSatisfy { stamps.contains($0.stamp) && $0.rolledOut }, "kill \(kill)")
        }
    }

    @Test("a rotation that starts with the key writes only keyed hashes and keyed stamps")
    func keyedFromTheStart() async throws {
        let runner = RotationRunner(policy: RotationPolicy(strategy: .staged, verifies: true, tracksConsumers: true),
                                    keys: [Fixtures.password], hasher: Self.keyed)
        let start = try await Fixtures.provisioned(runner, consumers: 1)
        let env = MemoryEnvironment(durable: start)
        env.now = env.now.addingTimeInterval(3600)
        for _ in 0..<40 {
            let (stop, _) = try await runner.run(state: env.durable.state, data: env.durable.data,
                                                 triggers: .init(scheduleDue: env.durable.state.revision < 2), environment: env)
            if case .waiting = stop { env.now = env.now.addingTimeInterval(5); continue }
            break
        }
        let committed = try #require(runner.machine.layout.committed(in: env.durable.data))
        #expect(env.durable.state.revision == 2)
        let hashes = env.snapshots.compactMap(\.state.candidateHash)
        #expect(!hashes.isEmpty && hashes.allSatisfy { !ValuesHasher.isPlain($0) })
        #expect(env.durable.consumers.first?.stamp == ValuesHash.revisionStamp(valuesHash: Self.keyed.of(committed)))
    }
}
