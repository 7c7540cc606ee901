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

    /// One newline-terminated PEM block: base64 in lines of 64 characters between the BEGIN and END lines, as
    /// SwiftASN1's `PEMDocument.pemString` writes it (tested byte for byte), in one pass over a byte buffer.
    /// Every issuance writes three of these, and the Foundation base64 and line splitting under `pemString` cost
    /// as much as a signature.
    static func pemBlock(type: String, der: [UInt8]) -> String {
        let begin = Array("-----BEGIN \(type)-----\n".utf8)
        let end = Array("-----END \(type)-----\n".utf8)
        let encodedCount = (der.count + 2) / 3 * 4
        let lines = (encodedCount + 63) / 64
        var out: [UInt8] = []
        out.reserveCapacity(begin.count + encodedCount + lines + end.count)
        out += begin
        var column = 0
        func emit(_ byte: UInt8) {
            out.append(byte)
            column += 1
            if column == 64 {
                out.append(0x0A)
                column = 0
            }
        }
        var index = 0
        while index + 3 <= der.count {
            let chunk = UInt32(der[index]) << 16 | UInt32(der[index + 1]) << 8 | UInt32(der[index + 2])
            emit(base64Alphabet[Int(chunk >> 18 & 63)])
            emit(base64Alphabet[Int(chunk >> 12 & 63)])
            emit(base64Alphabet[Int(chunk >> 6 & 63)])
            emit(base64Alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = der.count - index
        if rest > 0 {
            let chunk = UInt32(der[index]) << 16 | (rest == 2 ? UInt32(der[index + 1]) << 8 : 0)
            emit(base64Alphabet[Int(chunk >> 18 & 63)])
            emit(base64Alphabet[Int(chunk >> 12 & 63)])
            emit(rest == 2 ? base64Alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            emit(UInt8(ascii: "="))
        }
        if column != 0 { out.append(0x0A) }
        out += end
        return String(decoding: out, as: UTF8.self)
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

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
