import _CryptoExtras
import SwiftASN1

/// Screens the RSA public key of a certificate before swift-certificates parses it.
///
/// swift-crypto frees an RSA key twice when its DER has valid structure but numbers BoringSSL rejects (the failed
/// `BoringSSLRSAPublicKey(derRepresentation:)` frees its EVP_PKEY, then its deinit frees it again), and
/// swift-certificates takes that path for every certificate whose key is rsaEncryption. `keyward-fuzz pem` found
/// it; a hostile `tls.crt` must not corrupt the controller's heap. The same numbers go through swift-crypto's
/// `(n, e)` initializer first, which fails without the double free; only keys it accepts reach the DER path.
enum RSAKeyScreen {
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]

    /// Throws a reason when the certificate carries an RSA key BoringSSL would refuse; anything else (other key
    /// types, structural defects) is left to swift-certificates, which rejects it safely.
    static func check(certificateDER der: [UInt8]) throws(ScreenFailure) {
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content,
              let tbs = certificate.first(where: { _ in true }), case .constructed(let fields) = tbs.content
        else { return }
        for field in fields {
            // SwiftASN1 reads the integers as unsigned magnitudes and refuses negative ones (as swift-certificates'
            // own PKCS#1 check does, before the DER path), so only BoringSSL's number checks remain to mirror.
            guard let (n, e) = rsaNumbers(inSubjectPublicKeyInfo: field) else { continue }
            do { _ = try _RSA.Signing.PublicKey(n: n, e: e) } catch {
                throw ScreenFailure(reason: "the RSA public key is not usable (\(error))")
            }
        }
    }

    /// (n, e) when `node` is a SubjectPublicKeyInfo for rsaEncryption holding a PKCS#1 RSAPublicKey.
    private static func rsaNumbers(inSubjectPublicKeyInfo node: ASN1Node) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard node.identifier == .sequence, case .constructed(let parts) = node.content else { return nil }
        var iterator = parts.makeIterator()
        guard let algorithm = iterator.next(), let key = iterator.next(), iterator.next() == nil,
              algorithm.identifier == .sequence, key.identifier == .bitString,
              case .constructed(let algorithmParts) = algorithm.content,
              let oidNode = algorithmParts.first(where: { _ in true }),
              (try? ASN1ObjectIdentifier(derEncoded: oidNode)) == rsaEncryption,
              let bits = try? ASN1BitString(derEncoded: key),
              let inner = try? DER.parse(Array(bits.bytes)), inner.identifier == .sequence,
              case .constructed(let integers) = inner.content
        else { return nil }
        var numbers = integers.makeIterator()
        guard let nNode = numbers.next(), let eNode = numbers.next(), numbers.next() == nil,
              let n = try? ArraySlice<UInt8>(derEncoded: nNode), let e = try? ArraySlice<UInt8>(derEncoded: eNode)
        else { return nil }
        return (n, e)
    }

    struct ScreenFailure: Error { var reason: String }
}
