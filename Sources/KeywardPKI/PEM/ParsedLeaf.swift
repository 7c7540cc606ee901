import Crypto
import KeywardCore
import X509

/// The first certificate of a PEM chain, parsed and inspected once per distinct text.
///
/// A reconcile reads the stored leaf several times (the reissue check, the status, revocation), and every
/// Certificate's reconcile reads it again after its own write; parsing the DER and inspecting it each time was a
/// measurable share of a standalone run. Keyed by a digest of the text, so an edited Secret is parsed afresh (and
/// screened, as ``PEMBundle/certificates(from:)`` screens); 64 entries, enough for the reconciles in flight.
/// Failures are not kept: a broken Secret is parsed, and reported, every time.
public enum ParsedLeaf {
    public struct Leaf: Sendable {
        public var certificate: Certificate
        public var info: CertificateInfo
    }

    /// The chain's leaf and its inspection; throws what parsing or inspecting it throws.
    public static func read(_ pem: String) throws -> Leaf {
        let key = digest(pem)
        if let leaf = cache[key] { return leaf }
        let certificate = try PEMBundle.certificates(from: pem)[0]
        let leaf = Leaf(certificate: certificate, info: try CertificateInfo(certificate))
        cache.insert(leaf, for: key)
        return leaf
    }

    /// Records a leaf the caller has just issued and stored as `pem`, so the reads after its write find it parsed.
    public static func remember(_ pem: String, certificate: Certificate, info: CertificateInfo) {
        cache.insert(Leaf(certificate: certificate, info: info), for: digest(pem))
    }

    private static func digest(_ pem: String) -> [UInt8] {
        var pem = pem
        return pem.withUTF8 { Array(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    private static let cache = BoundedCache<[UInt8], Leaf>(limit: 64)
}
