#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IPv4/IPv6 text ⇄ the 4- or 16-byte form X.509 stores in an iPAddress GeneralName.
enum IPAddress {
    /// The network-order bytes of `text`, or nil when it is neither a dotted quad nor RFC 4291 IPv6 text.
    /// Zone identifiers (`%eth0`) and CIDR suffixes are rejected: a certificate names an address, not a link or net.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }

    /// Canonical text (RFC 5952 for IPv6) for 4 or 16 bytes; nil for any other length.
    static func text(_ bytes: some Collection<UInt8>) -> String? {
        let input = Array(bytes)
        let family: Int32
        switch input.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, input, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `text` rewritten canonically (so `::0:1` and `::1` compare equal), or nil if it is not an address.
    static func canonical(_ text: String) -> String? {
        bytes(text).flatMap { self.text($0) }
    }
}
