import SwiftASN1
import X509

/// Declares subjectAltName understood when no server identity is being checked.
///
/// Leaves with an empty subject carry a critical SAN (RFC 5280 4.2.1.6); swift-certificates only lists SAN as
/// handled inside `ServerIdentityPolicy`, so without this a pure chain check would reject every such leaf. Keyward
/// does parse SANs, so claiming the extension is honest; it imposes no constraint of its own.
struct SubjectAlternativeNamePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        .meetsPolicy
    }
}
