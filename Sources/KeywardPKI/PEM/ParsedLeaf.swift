import Crypto
import Synchronization
import X509

/// The first certificate of a PEM chain, parsed and inspected once per distinct text.
///
/// A reconcile reads the stored leaf several times (the reissue check, the status, revocation), and every
/// Certificate's reconcile reads it again after its own write; parsing the DER and inspecting it each time was a
/// measurable share of a standalone run. Keyed by a digest of the text, so an edited Secret is parsed afresh (and
/// screened, as ``PEMBundle/certificates(from:)`` screens). Small on purpose: it serves the reads of reconciles in
/// flight, not the whole fleet, so it costs the controller's memory almost nothing (tenants choose how many Secrets
/// exist).
/// Failures are not kept: a broken Secret is parsed, and reported, every time.
public enum ParsedLeaf {
    public struct Leaf: Sendable {
        public var certificate: Certificate
        public var info: CertificateInfo
    }

    /// The chain's leaf and its inspection; throws what parsing or inspecting it throws.
    public static func read(_ pem: String) throws -> Leaf {
        let digest = Array(SHA256.hash(data: Array(pem.utf8)))
        if let leaf = cache.withLock({ $0[digest] }) { return leaf }
        let certificate = try PEMBundle.certificates(from: pem)[0]
        let leaf = Leaf(certificate: certificate, info: try CertificateInfo(certificate))
        store(leaf, digest: digest)
        return leaf
    }

    /// Records a leaf the caller has just issued and stored as `pem`, so the reads after its write find it parsed.
    public static func remember(_ pem: String, certificate: Certificate, info: CertificateInfo) {
        let digest = Array(SHA256.hash(data: Array(pem.utf8)))
        store(Leaf(certificate: certificate, info: info), digest: digest)
    }

    private static func store(_ leaf: Leaf, digest: [UInt8]) {
        cache.withLock { cache in
            if cache.count >= limit { cache.removeAll(keepingCapacity: true) }
            cache[digest] = leaf
        }
    }

    private static let cache = Mutex<[[UInt8]: Leaf]>([:])
    private static let limit = 64
}
