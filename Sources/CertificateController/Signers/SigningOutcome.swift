import Foundation
import KeywardPKI

/// What a signer answers.
enum SigningOutcome: Sendable {
    /// Signed: the leaf, the intermediates up to (not including) the root, and the root when known.
    case issued(IssuedCertificate)
    /// Accepted but not finished (an ACME order being validated): persist `state`, come back after `requeueAfter`.
    case pending(Pending)
    /// Cannot sign: ``SigningFailure/isRetryable`` says whether backing off and asking again can help.
    case failed(SigningFailure)

    struct Pending: Sendable, Hashable {
        /// Opaque to the reconciler; handed back in ``SigningRequest/pendingState``. Never key material.
        var state: [String: String]
        /// What is awaited, for the Issuing condition.
        var message: String
        var requeueAfter: TimeInterval
    }
}

/// Why a signer could not sign, in the words the Certificate's condition shows.
struct SigningFailure: Error, Sendable, Hashable {
    /// Retryable failures back off and try again (a CA not valid yet, a rate limit); permanent ones need a change
    /// (a template the issuer refuses).
    var isRetryable: Bool
    /// CamelCase condition reason.
    var reason: String
    /// Never key material.
    var message: String

    static func retryable(_ message: String, reason: String = "IssuanceFailed") -> SigningFailure {
        SigningFailure(isRetryable: true, reason: reason, message: message)
    }

    static func permanent(_ message: String, reason: String = "IssuanceFailed") -> SigningFailure {
        SigningFailure(isRetryable: false, reason: reason, message: message)
    }
}
