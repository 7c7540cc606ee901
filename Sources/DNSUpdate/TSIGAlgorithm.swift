import Crypto

/// The HMAC algorithms TSIG names (RFC 8945 §6). HMAC-SHA256 is the one to use; SHA-512 and SHA-1 are here
/// because existing servers have keys of those kinds.
public enum TSIGAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hmacSHA256 = "hmac-sha256"
    case hmacSHA512 = "hmac-sha512"
    case hmacSHA1 = "hmac-sha1"

    /// Accepts the TSIG algorithm name (`hmac-sha256`, with or without the final dot) and cert-manager's spelling
    /// (`HMACSHA256`), case-insensitively.
    public init?(name: String) {
        var lowered = name.lowercased()
        if lowered.hasSuffix(".") { lowered.removeLast() }
        let compact = lowered.filter { $0 != "-" }
        guard let match = Self.allCases.first(where: { $0.rawValue == lowered || $0.rawValue.filter { $0 != "-" } == compact })
        else { return nil }
        self = match
    }

    /// The algorithm's domain name as TSIG carries it.
    public var domainName: DNSName { DNSName(uncheckedLabels: [Array(rawValue.utf8)]) }

    public var description: String { rawValue }

    /// Length of the full MAC in octets.
    public var macLength: Int {
        switch self {
        case .hmacSHA256: 32
        case .hmacSHA512: 64
        case .hmacSHA1: 20
        }
    }

    func mac(_ data: [UInt8], secret: [UInt8]) -> [UInt8] {
        let secret = SymmetricKey(data: secret)
        switch self {
        case .hmacSHA256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: secret))
        case .hmacSHA512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: secret))
        case .hmacSHA1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: secret))
        }
    }

    /// Constant-time comparison of a received MAC with the expected one; a truncated MAC is refused (Keyward
    /// never asks for truncation, RFC 8945 §5.2.2.1).
    func verify(_ mac: [UInt8], over data: [UInt8], secret: [UInt8]) -> Bool {
        guard mac.count == macLength else { return false }
        let secret = SymmetricKey(data: secret)
        switch self {
        case .hmacSHA256: return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: secret)
        case .hmacSHA512: return HMAC<SHA512>.isValidAuthenticationCode(mac, authenticating: data, using: secret)
        case .hmacSHA1: return HMAC<Insecure.SHA1>.isValidAuthenticationCode(mac, authenticating: data, using: secret)
        }
    }
}
