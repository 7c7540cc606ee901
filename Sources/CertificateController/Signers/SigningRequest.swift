import Foundation
import KeywardPKI
import X509

/// What a signer is asked to sign: the certificate built from the spec for one subject key, on behalf of one
/// Certificate, with whatever the signer persisted on an earlier pass.
struct SigningRequest: Sendable {
    /// Names, usages, lifetime and CA constraints from the Certificate's spec.
    var template: CertificateTemplate
    /// The new certificate's key. A signer that sends the request elsewhere sends only ``subjectPublicKey`` (as a
    /// CSR); the self-signed signer is the one that signs with it.
    var subjectKey: PrivateKey
    /// The Certificate asking (`namespace/name`, and its uid when it has one), for signers that keep per-request state.
    var requester: Requester
    /// State a signer returned with ``SigningOutcome/pending(_:)`` on an earlier pass; nil on a first attempt.
    var pendingState: [String: String]?
    var now: Date

    var subjectPublicKey: X509.Certificate.PublicKey { subjectKey.publicKey }

    struct Requester: Sendable, Hashable {
        var namespace: String?
        var name: String
        var uid: String?
    }
}
