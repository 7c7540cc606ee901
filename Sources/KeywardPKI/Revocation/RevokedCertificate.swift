import Foundation
import X509

/// One revokedCertificates entry of a CRL.
public struct RevokedCertificate: Sendable, Hashable {
    public let serialNumber: Certificate.SerialNumber
    public let revocationDate: Date
    /// Encoded as a reasonCode entry extension except for ``CRLReason/unspecified``, which RFC 5280 5.3.1 says
    /// SHOULD be expressed by omitting the extension.
    public let reason: CRLReason

    public init(serialNumber: Certificate.SerialNumber, revocationDate: Date, reason: CRLReason = .unspecified) {
        self.serialNumber = serialNumber
        self.revocationDate = X509Time.truncated(revocationDate)
        self.reason = reason
    }

    /// Revokes `certificate` (by serial number).
    public init(_ certificate: Certificate, revocationDate: Date, reason: CRLReason = .unspecified) {
        self.init(serialNumber: certificate.serialNumber, revocationDate: revocationDate, reason: reason)
    }

    /// Lowercase hex, the same form as ``CertificateInfo/serialHex``.
    public var serialHex: String { CertificateInfo.serialHex(serialNumber) }
}
