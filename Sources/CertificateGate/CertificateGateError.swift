import KeywardCore

/// Why ``CertificateGate/wait(_:clock:output:)`` gave up. Waiting reasons are not errors; these end the wait.
public enum CertificateGateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The options can never be satisfied (e.g. `--crl` without `--ca`).
    case invalidOptions(reason: String)
    /// The files were not ready within the timeout; `lastReason` is what was still wrong.
    case timedOut(after: GoDuration, lastReason: WaitReason)

    /// The process exit status `keyward wait-for-certs` should use: 2 for a usage error (like ArgumentParser's
    /// validation failures), 1 for a timeout, so a pod's logs and restart reason tell the two apart.
    public var exitCode: Int32 {
        switch self {
        case .invalidOptions: 2
        case .timedOut: 1
        }
    }

    public var description: String {
        switch self {
        case .invalidOptions(let reason): "invalid options: \(reason)"
        case .timedOut(let after, let reason): "timed out after \(after) waiting for certificates: \(reason)"
        }
    }
}
