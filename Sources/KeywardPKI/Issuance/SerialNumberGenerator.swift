import KeywardCore
import X509

/// Random certificate serial numbers.
///
/// 16 random bytes with the top bit cleared (a DER INTEGER with the top bit set is negative, and padding it with
/// 0x00 is legal but trips some parsers) and the next bit set (so the first octet is never 0x00 and the encoding is
/// always exactly 16 octets, well under RFC 5280's 20-octet limit). That leaves 126 bits of entropy, far above the
/// CA/Browser Forum's 64-bit minimum, and makes zero impossible.
enum SerialNumberGenerator {
    static func next() -> Certificate.SerialNumber {
        var bytes = SecureRandom.bytes(16)
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}
