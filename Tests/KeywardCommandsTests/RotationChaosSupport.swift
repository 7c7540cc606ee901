import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
import Testing

/// SecretRotations the crash-chaos test keeps in flight next to its Certificates: every strategy, two keys each.
enum RotationWorkload {
    static let count = 20
    static let valueKeys = ["password", "token"]
    static let strategies: [SecretRotation.StrategyType] = [.immediate, .staged, .dualWrite, .blueGreen]

    static var names: [String] { (0..<count).map { "rotation-\($0)" } }

    static func secretName(_ rotation: String) -> String { "\(rotation)-values" }

    static func strategy(of rotation: String) -> SecretRotation.StrategyType {
        strategies[(Int(rotation.split(separator: "-").last ?? "") ?? 0) % strategies.count]
    }

    static func rotation(_ name: String, _ namespace: String) -> SecretRotation {
        SecretRotation(metadata: ObjectMeta(name: name, namespace: namespace), spec: SecretRotation.Spec(
            secretName: secretName(name),
            keys: [SecretRotation.Key(name: "password", generator: .password()),
                   SecretRotation.Key(name: "token", generator: .token())],
            interval: "1h",  // only requested rotations happen during the test
            strategy: SecretRotation.Strategy(type: strategy(of: name))))
    }
}

extension OperatorCluster {
    /// Sets `keyward.dev/rotate` to `value` on every rotation, retrying conflicts (the controller writes status).
    func requestRotations(_ value: String, namespace: String) async throws {
        for name in RotationWorkload.names {
            for attempt in 0..<50 {
                do {
                    var rotation = try await admin.get(SecretRotation.self, name: name, namespace: namespace)
                    rotation.metadata.annotations[KeywardAnnotations.rotate] = value
                    _ = try await admin.update(rotation)
                    break
                } catch let error as KubernetesError {
                    if attempt == 49 { throw error }
                }
            }
        }
    }

    /// Each rotation's status next to its Secret's data, read while no controller runs.
    func rotationSnapshots(namespace: String) async throws -> [String: RotationSnapshot] {
        let rotations = try await admin.listAll(SecretRotation.self, in: .namespace(namespace)).items
        let secrets = try await admin.listAll(Secret.self, in: .namespace(namespace)).items
        let byName = Dictionary(secrets.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [String: RotationSnapshot] = [:]
        for rotation in rotations {
            let secret = byName[rotation.spec.secretName]
            result[rotation.metadata.name] = RotationSnapshot(
                name: rotation.metadata.name, strategy: rotation.spec.strategy.type, phase: rotation.status?.phase,
                revision: rotation.status?.revision, lastRotateRequest: rotation.status?.lastRotateRequest,
                ready: rotation.status?.conditions[type: SecretRotation.ConditionType.ready]?.status == .true,
                data: secret?.data, owner: secret?.metadata.annotations[KeywardAnnotations.secretRotationName])
        }
        return result
    }
}

/// One rotation as observed between two controller runs.
struct RotationSnapshot: Sendable, CustomStringConvertible {
    var name: String
    var strategy: SecretRotation.StrategyType
    var phase: RotationPhase?
    var revision: Int?
    var lastRotateRequest: String?
    var ready: Bool
    /// The Secret's data; nil while there is no Secret.
    var data: [String: Data]?
    /// The Secret's `keyward.dev/secretrotation-name`.
    var owner: String?

    var description: String {
        "\(name) (\(strategy.rawValue)) phase \(phase?.rawValue ?? "none") revision \(revision.map(String.init) ?? "none")"
    }

    func value(_ key: String) -> Data? { data?[key] }

    /// The committed values, by value key; nil until every key has one.
    var committed: [String: Data]? {
        var values: [String: Data] = [:]
        for key in RotationWorkload.valueKeys {
            guard let value = value(key) else { return nil }
            values[key] = value
        }
        return values
    }

    var activeSide: String? { value("active").map { String(decoding: $0, as: UTF8.self) } }

    /// Where this strategy keeps a candidate: `KEY.pending`, or the side `active` does not name.
    func candidate(_ key: String) -> Data? {
        if strategy == .blueGreen { return value("\(key).\(activeSide == "green" ? "blue" : "green")") }
        return value("\(key).pending")
    }

    /// Where the value replaced by the last promotion is kept, if this strategy keeps it at rest.
    func retained(_ key: String) -> Data? {
        switch strategy {
        case .staged, .dualWrite: value("\(key).previous")
        case .blueGreen: candidate(key)
        default: nil
        }
    }
}

/// Follows every rotation across controller kills and checks that no rotation lost both its old and its new value:
/// a committed value never disappears or goes back to an older one, a verified candidate is the value that gets
/// promoted, the value a promotion replaced is kept where the strategy keeps it, and revisions only grow. Also
/// collects every value it sees, for the secret scan.
struct RotationLedger {
    private(set) var problems: [String] = []
    /// Every value seen in a rotation's Secret (committed, pending, previous, either side).
    private(set) var values: Set<Data> = []
    private var last: [String: RotationSnapshot] = [:]
    private var history: [String: [[String: Data]]] = [:]

    mutating func record(_ snapshots: [String: RotationSnapshot], at label: String) {
        for name in RotationWorkload.names {
            guard let now = snapshots[name] else {
                problems.append("\(label): \(name) is gone")
                continue
            }
            for (key, value) in now.data ?? [:] where key != "active" { values.insert(value) }
            check(now, against: last[name], at: label)
            if let committed = now.committed, history[name]?.last != committed { history[name, default: []].append(committed) }
            last[name] = now
        }
    }

    private mutating func check(_ now: RotationSnapshot, against before: RotationSnapshot?, at label: String) {
        let name = now.name
        if let owner = now.owner, owner != name { problems.append("\(label): \(name)'s Secret names \(owner)") }
        if now.phase == .idle { checkIdleLayout(now, at: label) }
        guard let before else { return }
        if let old = before.revision, (now.revision ?? -1) < old {
            problems.append("\(label): \(name) revision went from \(old) to \(now.revision.map(String.init) ?? "none")")
        }
        // A rotate request recorded as handled while Idle was acted on: unless a rotation in flight satisfied it,
        // the values changed and the revision grew.
        if let request = now.lastRotateRequest, request != before.lastRotateRequest, now.phase == .idle,
           !(before.phase?.isInProgress ?? false) {
            let rotated = before.committed == nil
                ? (now.revision ?? 0) >= 2
                : now.committed != before.committed && (now.revision ?? 0) > (before.revision ?? 0)
            if !rotated { problems.append("\(label): \(name) recorded rotate request \(request) without rotating (\(before) → \(now))") }
        }
        guard let old = before.committed else { return }
        guard let new = now.committed else {
            problems.append("\(label): \(name) lost its committed values (\(before) → \(now))")
            return
        }
        guard new != old else { return }
        let earlier = (history[name] ?? []).dropLast()
        if earlier.contains(new) { problems.append("\(label): \(name) went back to an older value") }
        for key in RotationWorkload.valueKeys {
            // A candidate that was verified (or needed no verification) is the one promoted after a restart. (A
            // blueGreen side holding an older committed value is the retained one, not a candidate.)
            if before.phase == .verifying || before.phase == .promoting, let candidate = before.candidate(key),
               !(history[name] ?? []).contains(where: { $0[key] == candidate }), new[key] != candidate {
                problems.append("\(label): \(name) promoted a different \(key) than its verified candidate")
            }
            // The replaced value stays where the strategy keeps it (dualWrite only until consumers migrated).
            let keeps = now.strategy == .staged || now.strategy == .blueGreen
                || (now.strategy == .dualWrite && (now.phase == .migrating || now.phase == .promoting))
            if keeps, (now.revision ?? 0) - (before.revision ?? 0) <= 1, now.retained(key) != old[key] {
                problems.append("\(label): \(name) did not keep the \(key) it replaced (\(before) → \(now))")
            }
        }
    }

    private mutating func checkIdleLayout(_ now: RotationSnapshot, at label: String) {
        guard let data = now.data else {
            problems.append("\(label): \(now.name) is Idle without a Secret")
            return
        }
        for key in RotationWorkload.valueKeys {
            if data["\(key).pending"] != nil { problems.append("\(label): \(now.name) is Idle with \(key).pending") }
            switch now.strategy {
            case .immediate, .dualWrite:
                if data["\(key).previous"] != nil { problems.append("\(label): \(now.name) is Idle with \(key).previous") }
            case .blueGreen:
                guard let side = now.activeSide, side == "blue" || side == "green" else {
                    problems.append("\(label): \(now.name) has no valid active marker")
                    continue
                }
                if data[key] == nil || data[key] != data["\(key).\(side)"] {
                    problems.append("\(label): \(now.name)'s \(key) is not the active side")
                }
            default:
                break
            }
        }
    }
}

/// Finds any of `values` (raw, or base64 as a Secret's JSON carries it) in `texts`. A rolling hash over 16-byte
/// windows keeps this linear in the corpus, which holds megabytes of debug logs.
func secretValueLeaks(_ values: Set<Data>, in texts: [String]) -> [String] {
    let window = 16
    var needles: [[UInt8]] = []
    for value in values where value.count >= window {
        needles.append(Array(value))
        needles.append(Array(value.base64EncodedString().utf8))
    }
    let base: UInt64 = 1_099_511_628_211
    var power: UInt64 = 1
    for _ in 1..<window { power = power &* base }
    func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        bytes.reduce(0) { $0 &* base &+ UInt64($1) }
    }
    var byPrefix: [UInt64: [[UInt8]]] = [:]
    for needle in needles { byPrefix[hash(needle.prefix(window)), default: []].append(needle) }

    var leaks: [String] = []
    for (index, text) in texts.enumerated() {
        let bytes = Array(text.utf8)
        guard bytes.count >= window else { continue }
        var rolling = hash(bytes[0..<window])
        var start = 0
        while true {
            if let candidates = byPrefix[rolling] {
                for needle in candidates where bytes.count - start >= needle.count
                    && bytes[start..<(start + needle.count)].elementsEqual(needle) {
                    leaks.append("text \(index) at byte \(start)")
                }
            }
            let end = start + window
            guard end < bytes.count else { break }
            rolling = (rolling &- UInt64(bytes[start]) &* power) &* base &+ UInt64(bytes[end])
            start += 1
        }
    }
    return leaks
}

@Suite("Secret value scan")
struct SecretValueScanTests {
    @Test("finds a value raw or base64 anywhere in a text, and nothing in texts without it")
    func scan() {
        let value = Data("s3cr3t-value-for-the-scanner-01".utf8)
        let base64 = value.base64EncodedString()
        let texts = ["s3cr3t-value-for-the-scanner-01 at the start", "{\"data\":{\"k\":\"\(base64)\"}}",
                     "ends with s3cr3t-value-for-the-scanner-01", "s3cr3t-value-for-the-scanner-0 (one short)", "", "tiny"]
        #expect(secretValueLeaks([value], in: texts) == ["text 0 at byte 0", "text 1 at byte 14", "text 2 at byte 10"])
        #expect(secretValueLeaks([value], in: Array(texts.suffix(3))).isEmpty)
    }
}
