import SwiftASN1
import X509

/// Everything a PEM (or DER) file holds that Keyward understands, block by block: certificates, private keys and
/// CRLs, in file order. Used by `keyward inspect` and `keyward verify`.
///
/// Reading never fails as a whole: a garbled or unsupported block becomes an ``Item/unreadable(blockType:reason:)``
/// item so the other blocks are still reported. Keys are parsed only to learn their algorithm and public half;
/// nothing here exposes key material.
public struct MaterialBundle: Sendable {
    public enum Item: Sendable {
        case certificate(Certificate)
        case privateKey(PrivateKey)
        case crl(CertificateRevocationList)
        /// A block (or the whole input, `blockType` "DER") that is not usable, with a reason free of its bytes.
        case unreadable(blockType: String, reason: String)
    }

    public let items: [Item]

    public var certificates: [Certificate] {
        items.compactMap { if case .certificate(let certificate) = $0 { certificate } else { nil } }
    }

    public var privateKeys: [PrivateKey] {
        items.compactMap { if case .privateKey(let key) = $0 { key } else { nil } }
    }

    public var crls: [CertificateRevocationList] {
        items.compactMap { if case .crl(let crl) = $0 { crl } else { nil } }
    }

    public init(bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN") else {
            items = [Self.der(bytes)]
            return
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            items = [.unreadable(blockType: "PEM", reason: "malformed PEM")]
            return
        }
        items = documents.map(Self.item)
    }

    private static func item(_ document: PEMDocument) -> Item {
        let type = document.discriminator
        switch type {
        case PEMBundle.certificateBlockType:
            do { return .certificate(try PEMBundle.certificate(derEncoded: document.derBytes)) } catch {
                return .unreadable(blockType: type, reason: error.description)
            }
        case PrivateKey.rsaBlockType, PrivateKey.sec1BlockType, PrivateKey.pkcs8BlockType:
            do { return .privateKey(try PrivateKey(pemEncoded: document.pemString)) } catch {
                return .unreadable(blockType: type, reason: error.description)
            }
        case PrivateKey.encryptedPKCS8BlockType:
            return .unreadable(blockType: type, reason: "encrypted private keys are not supported")
        case CertificateRevocationList.pemBlockType:
            do { return .crl(try CertificateRevocationList(derEncoded: document.derBytes)) } catch {
                return .unreadable(blockType: type, reason: error.description)
            }
        default:
            return .unreadable(blockType: type, reason: "not a certificate, private key or CRL")
        }
    }

    /// DER input: a certificate or a CRL (keys in DER are not recognised).
    private static func der(_ bytes: [UInt8]) -> Item {
        if let certificate = try? PEMBundle.certificate(derEncoded: bytes) { return .certificate(certificate) }
        if let crl = try? CertificateRevocationList(derEncoded: bytes) { return .crl(crl) }
        return .unreadable(blockType: "DER", reason: "neither PEM nor a DER certificate or CRL")
    }
}
