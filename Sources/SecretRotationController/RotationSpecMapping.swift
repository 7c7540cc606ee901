import Foundation
import KeywardCore
import KeywardAPI
import RotationStrategies
import SecretGenerators

/// Translates a (validated) SecretRotation spec into the Kubernetes-free pieces: the policy the state machine
/// follows and the generators of each key.
enum RotationSpecMapping {
    struct Invalid: Error {
        var field: String
        var reason: String
    }

    static func policy(_ spec: SecretRotation.Spec, retryBackoff: Backoff) throws(Invalid) -> RotationPolicy {
        guard let strategy = spec.strategy.type.kind else {
            throw Invalid(field: "spec.strategy.type", reason: "unsupported value \"\(spec.strategy.type)\"")
        }
        guard let timeout = spec.strategy.migrationTimeout.duration else {
            throw Invalid(field: "spec.strategy.migrationTimeout", reason: "not a duration")
        }
        return RotationPolicy(
            strategy: strategy, verifies: spec.verify != nil, tracksConsumers: !spec.consumers.isEmpty,
            migrationTimeout: timeout.timeInterval,
            onMigrationTimeout: spec.rollback.onMigrationTimeout == .promote ? .promote : .rollback,
            automaticRollback: spec.rollback.automatic, maxConcurrentRollouts: spec.consumers.maxConcurrentRollouts,
            retryBackoff: retryBackoff)
    }

    static func keys(_ spec: SecretRotation.Spec) throws(Invalid) -> [RotatedKey] {
        var keys: [RotatedKey] = []
        for (index, key) in spec.keys.enumerated() {
            let field = "spec.keys[\(index)].generator"
            let generator: RotatedKey.Generator
            let kindField: String
            switch key.generator.kind {
            case .password(let p):
                generator = .password(p)
                kindField = "\(field).password"
            case .token(let t):
                guard let encoding = ValueEncoding(rawValue: t.encoding.rawValue) else {
                    throw Invalid(field: "\(field).token.encoding", reason: "unsupported value \"\(t.encoding)\"")
                }
                generator = .token(TokenGenerator(byteCount: t.bytes, encoding: encoding))
                kindField = "\(field).token"
            case .uuid:
                generator = .uuid(UUIDGenerator())
                kindField = "\(field).uuid"
            case .privateKey(let k):
                guard let algorithm = PrivateKeyGenerator.Algorithm(rawValue: k.algorithm.rawValue) else {
                    throw Invalid(field: "\(field).privateKey.algorithm", reason: "unsupported value \"\(k.algorithm)\"")
                }
                generator = .privateKey(PrivateKeyGenerator(algorithm: algorithm, size: k.size))
                kindField = "\(field).privateKey"
            case .basicAuth(let b):
                generator = .basicAuth(BasicAuthGenerator(username: b.username, password: b.password, cost: b.cost))
                kindField = "\(field).basicAuth"
            case nil:
                throw Invalid(field: field, reason: "exactly one generator is required")
            }
            let rotated = RotatedKey(name: key.name, generator: generator)
            do { try rotated.validate() } catch {
                throw Invalid(field: error.field.map { "\(kindField).\($0)" } ?? kindField, reason: "\(error)")
            }
            keys.append(rotated)
        }
        return keys
    }
}
