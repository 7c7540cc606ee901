import Foundation
import SwiftASN1
import X509

/// A downloaded certificate chain (RFC 8555 §7.4.2): PEM, leaf first, as the server sent it, with the URLs of the
/// alternate chains it offers (`Link: rel="alternate"`).
public struct ACMECertificateChain: Sendable, Hashable {
    public var pem: String
    public var certificateURL: URL
    public var alternateURLs: [URL]

    public init(pem: String, certificateURL: URL, alternateURLs: [URL] = []) {
        self.pem = pem
        self.certificateURL = certificateURL
        self.alternateURLs = alternateURLs
    }

    /// Each certificate's PEM block, leaf first.
    public var certificatePEMs: [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in pem.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("-----BEGIN CERTIFICATE-----") { current = [] }
            current.append(line)
            if line.hasPrefix("-----END CERTIFICATE-----") { blocks.append(current.joined(separator: "\n") + "\n") }
        }
        return blocks
    }

    /// The leaf's PEM.
    public var leafPEM: String? { certificatePEMs.first }

    /// Everything after the leaf (the intermediates), PEM.
    public var issuerChainPEM: String { certificatePEMs.dropFirst().joined() }

    /// The issuer common name of the top (last) certificate: what `preferredChain` is matched against.
    public var topIssuerCommonName: String? {
        guard let top = certificatePEMs.last, let certificate = try? Certificate(pemEncoded: top) else { return nil }
        for rdn in certificate.issuer {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let name = String(attribute.value) { return name }
            }
        }
        return nil
    }
}
