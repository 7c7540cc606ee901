#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import KeywardPKI

/// Whether a certificate's subjectAltNames cover a server name, for the case without `--ca` (with a CA,
/// ``ChainVerifier`` decides). Same rules as KeywardPKI's verifier: SAN only (no CN fallback), a wildcard matches
/// exactly one leftmost label and needs at least three labels, IP literals match iPAddress SANs byte for byte.
public enum NameCoverage {
    public static func covers(_ info: CertificateInfo, name: String) -> Bool {
        if let address = addressBytes(name) {
            return info.ipAddresses.contains { addressBytes($0) == address }
        }
        let target = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        return info.dnsNames.contains { pattern in
            let labels = pattern.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count == target.count else { return false }
            if labels.first == "*" { return labels.count >= 3 && labels.dropFirst() == target.dropFirst() }
            return labels == target
        }
    }

    /// The 4 or 16 network-order bytes of an IPv4/IPv6 literal, or nil for anything else.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
