import KeywardCore

/// Why ``CertificateGate/wait(_:clock:output:)`` gave up. Waiting reasons are not errors; these end the wait.
public enum CertificateGateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The options can never be satisfied (e.g. `--crl` without `--ca`).
    case invalidOptions(reason: String)
    /// The files were not ready within the timeout; `lastReason` is what was still wrong.
    case timedOut(after: GoDuration, lastReason: WaitReason)

    public var description: String {
        switch self {
        case .invalidOptions(let reason): "invalid options: \(reason)"
        case .timedOut(let after, let reason): "timed out after \(after) waiting for certificates: \(reason)"
        }
    }
}
