import Foundation
import KeywardAPI
import KubernetesClient
import RotationStrategies

/// "Two SecretRotations may not own the same key of the same Secret": every data key a rotation's layout may write
/// (KEY, its `.pending`/`.previous`/`.blue`/`.green` companions, and the blueGreen `active` marker) belongs to at most
/// one rotation. The older rotation keeps its keys; the newer one is InvalidSpec until the overlap is gone.
enum KeyOwnership {
    static func ownedDataKeys(_ spec: SecretRotation.Spec) -> Set<String>? {
        guard let strategy = spec.strategy.type.kind else { return nil }
        return StrategyLayout(strategy: strategy, valueKeys: spec.valueKeys).ownedDataKeys
    }

    /// The conflict `rotation` has with an older rotation of the same Secret, as a condition message; nil when none.
    static func conflict(of rotation: SecretRotation, among others: [SecretRotation]) -> String? {
        guard let mine = ownedDataKeys(rotation.spec) else { return nil }
        for other in others.sorted(by: { isOlder($0, than: $1) }) {
            guard other.metadata.name != rotation.metadata.name, !other.metadata.isBeingDeleted,
                other.spec.secretName == rotation.spec.secretName, isOlder(other, than: rotation),
                let theirs = ownedDataKeys(other.spec)
            else { continue }
            let shared = mine.intersection(theirs).sorted()
            if !shared.isEmpty {
                let names = shared.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
                return "Secret \(rotation.spec.secretName) key(s) \(names) already belong to SecretRotation "
                    + "\(other.metadata.name) (KeyConflict); each key may be rotated by one SecretRotation"
            }
        }
        return nil
    }

    /// Creation time, then name: a total order both rotations agree on, so exactly one of them yields.
    static func isOlder(_ a: SecretRotation, than b: SecretRotation) -> Bool {
        let ta = a.metadata.creationTimestamp ?? .distantFuture
        let tb = b.metadata.creationTimestamp ?? .distantFuture
        return ta != tb ? ta < tb : a.metadata.name < b.metadata.name
    }
}
