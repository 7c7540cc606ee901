import ControllerRuntime
import DNSUpdate
import Foundation
import KeywardAPI
import KubernetesResources

/// What one DNS-01 challenge needs from the selected `solvers[].dns01.rfc2136` entry: the primary to update, the
/// TSIG key (secret read from `tsigSecretSecretRef` in the solver's Secret namespace), and the record to write.
struct RFC2136Target: Sendable {
    let nameserver: DNSServerAddress
    let key: TSIGKey?
    let recordName: DNSName
    let recordValue: String

    /// Resolves the spec; errors name the field and never quote the secret.
    static func resolve(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws -> RFC2136Target {
        let field = "solvers[\(challenge.solverIndex)].dns01.rfc2136"
        guard let config = context.solver.dns01?.rfc2136 else {
            throw ACMESolverError("\(field): no rfc2136 configuration for the DNS-01 challenge of \(challenge.dnsName)",
                                  isRetryable: false)
        }
        let nameserver: DNSServerAddress
        do { nameserver = try DNSServerAddress(parsing: config.nameserver) } catch {
            throw ACMESolverError("\(field).nameserver: \(error)", isRetryable: false)
        }
        let recordName: DNSName
        do { recordName = try DNSName(parsing: challenge.dns01RecordName) } catch {
            throw ACMESolverError("\(challenge.dns01RecordName) is not a DNS name: \(error)", isRetryable: false)
        }
        var key: TSIGKey?
        if let keyName = config.tsigKeyName, let ref = config.tsigSecretSecretRef {
            let algorithmName = config.tsigAlgorithm ?? IssuerSpec.ACME.DNS01.RFC2136.hmacSHA256
            guard let algorithm = TSIGAlgorithm(name: algorithmName) else {
                throw ACMESolverError("\(field).tsigAlgorithm: unsupported value \"\(algorithmName)\"", isRetryable: false)
            }
            let secret = try await Self.secretValue(ref, field: "\(field).tsigSecretSecretRef", context: context)
            do { key = try TSIGKey(name: keyName, algorithm: algorithm, base64Secret: secret) } catch {
                throw ACMESolverError("\(field): \(error)", isRetryable: false)
            }
        }
        return RFC2136Target(nameserver: nameserver, key: key, recordName: recordName,
                             recordValue: challenge.dns01RecordValue)
    }

    /// The TSIG secret at the selector's key (`secret` by default). A missing Secret or key is retryable: it may be
    /// created later.
    private static func secretValue(_ ref: IssuerSpec.ACME.SecretKeySelector, field: String,
                                    context: ACMESolverContext) async throws -> String {
        let dataKey = ref.key ?? "secret"
        let display = "Secret \(context.secretNamespace)/\(ref.name)"
        let secret: Secret?
        do {
            secret = try await context.store.get(Secret.self, namespace: context.secretNamespace, name: ref.name)
        } catch {
            throw ACMESolverError("\(field): cannot read \(display): \(error)")
        }
        guard let secret else { throw ACMESolverError("\(field): \(display) does not exist") }
        guard let value = secret.string(dataKey)?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw ACMESolverError("\(field): \(display) has no key \(dataKey)")
        }
        return value
    }
}
