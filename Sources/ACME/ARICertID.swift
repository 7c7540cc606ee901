import Foundation
import SwiftASN1
import X509

/// The ACME Renewal Information certificate identifier (RFC 9773 §4.1): base64url of the authority key identifier,
/// ".", base64url of the serial number's DER integer content. Also the value of an order's `replaces`.
public struct ARICertID: Sendable, Hashable, CustomStringConvertible {
    public let string: String

    /// From the raw key identifier and serial number bytes (big-endian; normalised to DER integer form here).
    public init(authorityKeyIdentifier: [UInt8], serialNumber: [UInt8]) {
        var serial = Array(serialNumber.drop { $0 == 0 })
        if serial.isEmpty || serial[0] & 0x80 != 0 { serial.insert(0, at: 0) }
        string = Base64URL.encode(authorityKeyIdentifier) + "." + Base64URL.encode(serial)
    }

    /// From a DER certificate; it must carry an authority key identifier with a key identifier.
    public init(certificateDER der: [UInt8]) throws(ACMEError) {
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: der) } catch {
            throw .invalidCertificate(detail: "not a DER X.509 certificate")
        }
        let keyIdentifier: ArraySlice<UInt8>?
        do { keyIdentifier = try certificate.extensions.authorityKeyIdentifier?.keyIdentifier } catch {
            throw .invalidCertificate(detail: "the authority key identifier extension does not parse")
        }
        guard let keyIdentifier, !keyIdentifier.isEmpty else {
            throw .invalidCertificate(detail: "no authority key identifier: ARI cannot name this certificate")
        }
        self.init(authorityKeyIdentifier: Array(keyIdentifier), serialNumber: Array(certificate.serialNumber.bytes))
    }

    /// From a PEM certificate (the first block).
    public init(certificatePEM pem: String) throws(ACMEError) {
        let document: PEMDocument
        do { document = try PEMDocument(pemString: pem) } catch { throw .invalidCertificate(detail: "not a PEM certificate") }
        try self.init(certificateDER: document.derBytes)
    }

    public var description: String { string }
}
