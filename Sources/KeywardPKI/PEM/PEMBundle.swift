import Foundation
import SwiftASN1
import X509

/// Reads and writes concatenated PEM certificates (`tls.crt`, `ca.crt`, bundles).
///
/// Parsing is fail-safe: inputs come from Secrets anyone with write access can edit, so every defect becomes a typed
/// ``PEMError`` rather than a trap.
public enum PEMBundle {
    public static let certificateBlockType = "CERTIFICATE"

    /// Every certificate in `pem`, in order. Empty input, non-certificate blocks and undecodable DER all throw.
    public static func certificates(from pem: String) throws(PEMError) -> [Certificate] {
        let documents = try self.documents(from: pem)
        var certificates: [Certificate] = []
        certificates.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            guard document.discriminator == certificateBlockType else {
                throw .unexpectedBlockType(
                    index: index, found: document.discriminator, expected: certificateBlockType
                )
            }
            do {
                try RSAKeyScreen.check(certificateDER: document.derBytes)
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch let failure as RSAKeyScreen.ScreenFailure {
                throw .invalidCertificate(index: index, reason: failure.reason)
            } catch {
                throw .invalidCertificate(index: index, reason: String(describing: error))
            }
        }
        return certificates
    }

    /// Each CERTIFICATE block of `pem` as canonical PEM text (newline-terminated), without parsing the DER inside:
    /// for splitting a chain that was already read. Non-certificate blocks throw.
    public static func certificateBlocks(from pem: String) throws(PEMError) -> [String] {
        try documents(from: pem).enumerated().map { (index, document) throws(PEMError) in
            guard document.discriminator == certificateBlockType else {
                throw .unexpectedBlockType(index: index, found: document.discriminator, expected: certificateBlockType)
            }
            return pemBlock(type: certificateBlockType, der: document.derBytes)
        }
    }

    /// A certificate from DER, with the same screening as ``certificates(from:)``.
    public static func certificate(derEncoded der: [UInt8]) throws(PEMError) -> Certificate {
        do {
            try RSAKeyScreen.check(certificateDER: der)
            return try Certificate(derEncoded: der)
        } catch let failure as RSAKeyScreen.ScreenFailure {
            throw .invalidCertificate(index: 0, reason: failure.reason)
        } catch {
            throw .invalidCertificate(index: 0, reason: String(describing: error))
        }
    }

    /// The PEM text for `certificates`, each block newline-terminated; empty input yields "".
    public static func pemEncoded(_ certificates: [Certificate]) -> String {
        certificates.map(pemEncoded).joined()
    }

    public static func pemEncoded(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        // Serializing a parsed or freshly built certificate only re-emits stored bytes; it cannot fail.
        try! serializer.serialize(certificate)
        return pemBlock(type: certificateBlockType, der: serializer.serializedBytes)
    }

    /// One newline-terminated PEM block, exactly as SwiftASN1's `PEMDocument.pemString` writes it (tested byte for
    /// byte), with Foundation's own 64-column wrapping: `pemString` splits its base64 into lines by Characters,
    /// which cost as much as a signature on every issuance's three blocks.
    static func pemBlock(type: String, der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(type)-----\n" + (body.isEmpty ? "" : body + "\n") + "-----END \(type)-----\n"
    }

    /// Splits `pem` into decoded blocks, mapping SwiftASN1's errors to ``PEMError``.
    static func documents(from pem: String) throws(PEMError) -> [PEMDocument] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw .malformedPEM(reason: String(describing: error))
        }
        guard !documents.isEmpty else { throw .noPEMBlocks }
        return documents
    }
}
