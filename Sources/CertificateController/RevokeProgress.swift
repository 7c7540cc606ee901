import Foundation
import KeywardAPI
import KubernetesClient

/// How a revoke request (`keyward.dev/revoke`) is carried through crashes and conflicts.
///
/// The request is recorded as handled (both annotations removed) only once the replacement certificate is stored.
/// In between, `keyward.dev/revoking` names the serial being revoked, so a later pass can tell "the stored certificate
/// is the one this request revokes" (replace it) from "the replacement is already stored" (finish), and a new request
/// made after the previous one finished is never mistaken for it. Independently of annotations, a stored certificate
/// whose serial is listed in `status.revokedCertificates` is never reported Ready; it is replaced.
enum RevokeProgress {
    /// On a Certificate, written by Keyward: the serial (upper-case hex) a revoke request in progress revokes.
    static let revokingAnnotation = "keyward.dev/revoking"
    /// At most this many entries stay in `status.revokedCertificates` (newest kept); expired ones go first.
    static let statusLimit = 50

    /// What a pass must do about revocation, given the request annotations and the stored certificate's serial.
    enum Step: Equatable {
        /// No request and nothing revoked in place.
        case none
        /// Revoke `serial` (the stored certificate) and replace it.
        case revoke(serial: String)
        /// The stored certificate is revoked (listed in status): replace it, then finish.
        case replace
        /// The replacement is stored: remove the request annotations.
        case finish
    }

    static func step(_ certificate: Certificate, storedSerial: String?) -> Step {
        let requested = certificate.metadata.annotations[KeywardAnnotations.revoke] != nil
        let marker = certificate.metadata.annotations[revokingAnnotation]
        let listed = storedSerial.map { serial in
            certificate.status?.revokedCertificates.contains { $0.serialNumber == serial } ?? false
        } ?? false
        if let storedSerial, marker == storedSerial || (requested && marker == nil) {
            return .revoke(serial: storedSerial)
        }
        if listed { return .replace }
        return requested || marker != nil ? .finish : .none
    }

    /// The status list bounded: entries whose certificate expired are dropped, and at most ``statusLimit`` remain.
    static func bounded(_ entries: [Certificate.RevokedCertificate], now: Date) -> [Certificate.RevokedCertificate] {
        let live = entries.filter { $0.notAfter.map { $0 > now } ?? true }
        return Array(live.suffix(statusLimit))
    }
}
