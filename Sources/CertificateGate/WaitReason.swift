import Foundation
import KeywardCore
import KeywardPKI

/// Why the files are not ready yet. Each case carries only what stays the same from one poll to the next (no
/// "remaining time"), so an unchanged situation prints once rather than once per poll.
///
/// No case ever carries file contents: the key file is described by its path and the parser's redacting error.
public enum WaitReason: Sendable, Hashable, CustomStringConvertible {
    case missingFile(path: String)
    /// The file exists but cannot be read (permissions, a directory, an I/O error).
    case unreadableFile(path: String, reason: String)
    case emptyFile(path: String)
    /// Not PEM certificates (garbage, truncated, wrong block type) or a certificate that cannot be inspected.
    case notACertificate(path: String, reason: String)
    /// No usable private key in the file.
    case notAPrivateKey(path: String, reason: String)
    /// The key is not the certificate's: typically caught mid-rotation by a non-atomic writer.
    case keyMismatch(certificatePath: String, keyPath: String)
    case notYetValid(notBefore: Date)
    case expired(notAfter: Date)
    /// Valid now, but not for the requested minimum validity.
    case insufficientValidity(notAfter: Date, minValidity: GoDuration)
    case nameNotCovered(name: String)
    /// The certificate's extended key usage excludes TLS server authentication.
    case notForServerAuth
    /// No path from the certificate to a certificate in the CA file.
    case untrustedChain(reasons: [String])
    case revoked(serialHex: String, reason: CRLReason, revocationDate: Date)
    /// Missing certificates are ``missingFile(path:)``; this is a CRL that exists but cannot be parsed or used.
    case crlUnreadable(path: String, reason: String)
    /// The CRL is not the CA's: another issuer's name, or a signature that does not verify.
    case crlNotSignedByCA(path: String, reason: String)
    /// Past its nextUpdate: it can no longer vouch that the certificate is not revoked.
    case crlExpired(path: String, nextUpdate: Date)
    case crlNotYetValid(path: String, thisUpdate: Date)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path) does not exist"
        case .unreadableFile(let path, let reason):
            "\(path) cannot be read: \(reason)"
        case .emptyFile(let path):
            "\(path) is empty"
        case .notACertificate(let path, let reason):
            "\(path) does not hold a usable certificate: \(reason)"
        case .notAPrivateKey(let path, let reason):
            "\(path) does not hold a usable private key: \(reason)"
        case .keyMismatch(let certificatePath, let keyPath):
            "the private key in \(keyPath) does not match the certificate in \(certificatePath)"
        case .notYetValid(let notBefore):
            "certificate is not valid before \(notBefore.formatted(.iso8601))"
        case .expired(let notAfter):
            "certificate expired at \(notAfter.formatted(.iso8601))"
        case .insufficientValidity(let notAfter, let minValidity):
            "certificate expires at \(notAfter.formatted(.iso8601)), sooner than the minimum validity \(minValidity)"
        case .nameNotCovered(let name):
            "certificate does not cover the name \"\(name)\""
        case .notForServerAuth:
            "certificate's extended key usage does not include server auth"
        case .untrustedChain(let reasons):
            reasons.isEmpty
                ? "certificate does not chain to the CA"
                : "certificate does not chain to the CA: \(reasons.joined(separator: "; "))"
        case .revoked(let serialHex, let reason, let date):
            "certificate \(serialHex) is revoked since \(date.formatted(.iso8601)) (reason: \(reason))"
        case .crlUnreadable(let path, let reason):
            "CRL \(path) is unusable, failing closed: \(reason)"
        case .crlNotSignedByCA(let path, let reason):
            "CRL \(path) is not signed by the CA, failing closed: \(reason)"
        case .crlExpired(let path, let nextUpdate):
            "CRL \(path) is stale (nextUpdate \(nextUpdate.formatted(.iso8601))), failing closed"
        case .crlNotYetValid(let path, let thisUpdate):
            "CRL \(path) is not valid before \(thisUpdate.formatted(.iso8601)), failing closed"
        }
    }
}
