/// A CRL number (RFC 5280 5.2.3): a non-negative INTEGER of at most 20 octets, compared and incremented at any
/// width. Held as its big-endian magnitude without leading zeros, so nothing about it can overflow or trap.
public struct CRLNumber: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// RFC 5280: "CRL issuers MUST NOT use CRLNumber values longer than 20 octets" (the DER content, sign included).
    public static let maxOctets = 20

    /// Big-endian magnitude, no leading zero bytes (empty for zero).
    public let magnitude: [UInt8]

    public static let zero = CRLNumber(validated: [])

    private init(validated magnitude: [UInt8]) { self.magnitude = magnitude }

    public init(_ value: UInt64) {
        self.init(validated: Array(withUnsafeBytes(of: value.bigEndian, Array.init).drop { $0 == 0 }))
    }

    public init(integerLiteral value: UInt64) { self.init(value) }

    /// From big-endian magnitude bytes (leading zeros allowed); throws when the DER INTEGER would exceed 20 octets.
    public init(magnitude bytes: some Sequence<UInt8>) throws(CRLError) {
        let trimmed = Array(Array(bytes).drop { $0 == 0 })
        let number = CRLNumber(validated: trimmed)
        guard number.contentOctets.count <= Self.maxOctets else {
            throw .unsupported(reason: "CRL number longer than \(Self.maxOctets) octets")
        }
        self = number
    }

    /// The DER INTEGER content octets: the magnitude with a 0x00 sign byte when its top bit is set, `00` for zero.
    public var contentOctets: ArraySlice<UInt8> {
        guard let first = magnitude.first else { return [0] }
        return first & 0x80 != 0 ? ArraySlice([0] + magnitude) : ArraySlice(magnitude)
    }

    /// The next number, or an error when it would no longer fit 20 octets (never a trap).
    public func successor() throws(CRLError) -> CRLNumber {
        var bytes = magnitude
        var index = bytes.count - 1
        while index >= 0 {
            if bytes[index] == 0xFF {
                bytes[index] = 0
                index -= 1
            } else {
                bytes[index] += 1
                break
            }
        }
        if index < 0 { bytes.insert(1, at: 0) }
        do {
            return try CRLNumber(magnitude: bytes)
        } catch {
            throw .invalidParameters(reason: "CRL number exhausted: no successor within \(Self.maxOctets) octets")
        }
    }

    public static func < (lhs: CRLNumber, rhs: CRLNumber) -> Bool {
        lhs.magnitude.count != rhs.magnitude.count
            ? lhs.magnitude.count < rhs.magnitude.count
            : lhs.magnitude.lexicographicallyPrecedes(rhs.magnitude)
    }

    /// Decimal, as `openssl crl -text` prints it.
    public var description: String {
        var digits: [UInt8] = []
        var value = magnitude
        while !value.isEmpty {
            // Long division by 10; each step's remainder is the next lowest digit.
            var remainder = 0
            var quotient: [UInt8] = []
            quotient.reserveCapacity(value.count)
            for byte in value {
                let current = remainder << 8 | Int(byte)
                let digit = current / 10
                remainder = current % 10
                if !(quotient.isEmpty && digit == 0) { quotient.append(UInt8(digit)) }
            }
            digits.append(UInt8(ascii: "0") + UInt8(remainder))
            value = quotient
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }
}
