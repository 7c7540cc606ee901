/// Why bytes are not a JSON document: what was wrong and at which byte offset.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Parses JSON bytes straight into ``JSONValue``.
///
/// Every object the controller reads from the API server, and every object standalone mode stores, passes through
/// here; going through `JSONDecoder` and `Decodable` (a failed `try?` per type guess per value) cost several times the
/// parse itself. It accepts what that path accepted, so stored data reads the same: RFC 8259 plus a leading byte-order
/// mark and a trailing comma in arrays and objects; a repeated object key keeps its first value; a number becomes
/// `.int` exactly where `JSONDecoder` decoded an Int64 (`1.0`, `1e2`), `.double` otherwise, and one too large for a
/// Double is refused. Strings must be valid UTF-8 with paired surrogate escapes. Nesting deeper than ``maxDepth`` is
/// refused, so hostile input cannot exhaust the stack.
struct JSONParser {
    static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = Self.maxDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes, maxDepth: maxDepth)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected content after the value") }
        return value
    }

    private func failure(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw failure("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("unexpected character")
        }
        index += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw failure("nested deeper than \(maxDepth) levels") }
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        while current != UInt8(ascii: "]") {
            elements.append(try value())
            skipWhitespace()
            guard try separator(closing: UInt8(ascii: "]")) else { break }
        }
        index += 1
        depth -= 1
        return .array(elements)
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        while current != UInt8(ascii: "}") {
            guard current == UInt8(ascii: "\"") else {
                throw current == nil ? failure("unexpected end of input") : failure("expected a string key")
            }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let member = try value()
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            guard try separator(closing: UInt8(ascii: "}")) else { break }
        }
        index += 1
        depth -= 1
        return .object(members)
    }

    /// After an element: true when a comma leads to another one, false at the closing bracket (left for the caller).
    private mutating func separator(closing: UInt8) throws(JSONParseError) -> Bool {
        switch current {
        case closing: return false
        case UInt8(ascii: ","):
            index += 1
            skipWhitespace()
            guard current != nil else { throw failure("unexpected end of input") }
            return current != closing  // a trailing comma closes too
        case nil: throw failure("unexpected end of input")
        default: throw failure("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
    }

    // MARK: Strings

    private mutating func string() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, validated and copied once.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try utf8(UnsafeRawBufferPointer(rebasing: bytes[start..<index]), at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("unescaped control character in a string") }
            index += 1
        }
        var scratch = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &scratch)
            case 0..<0x20:
                throw failure("unescaped control character in a string")
            default:
                scratch.append(byte)
                index += 1
            }
        }
    }

    private func utf8(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws(JSONParseError) -> String {
        guard let text = String(validating: buffer, as: UTF8.self) else {
            throw JSONParseError(offset: offset, reason: "a string is not valid UTF-8")
        }
        return text
    }

    private mutating func escape(into scratch: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard let byte = current else { throw failure("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a high surrogate escape without its low surrogate")
                }
                index += 2
                let low = UInt32(try hex4())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a high surrogate escape without its low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("a low surrogate escape without its high surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("an escape that is not a Unicode scalar") }
            scratch.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw failure("unknown escape")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: Numbers

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        guard let first = current, isDigit(first) else { throw failure("a number needs digits") }
        index += 1
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) { throw failure("a number with a leading zero") }
        skipDigits()
        let integerDigits = (negative ? start + 1 : start)..<index
        var fractionDigits = index..<index
        var exponent = 0
        var hasExponent = false
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, isDigit(digit) else { throw failure("a fraction needs digits") }
            let fractionStart = index
            skipDigits()
            fractionDigits = fractionStart..<index
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            var exponentSign = 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") {
                if current == UInt8(ascii: "-") { exponentSign = -1 }
                index += 1
            }
            guard let digit = current, isDigit(digit) else { throw failure("an exponent needs digits") }
            while let digit = current, isDigit(digit) {
                // Saturates: any exponent this large already decides the outcome, and hostile input must not trap.
                exponent = min(exponent * 10 + Int(digit - UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            exponent *= exponentSign
        }
        // Plain digits that fit are the common case and exact.
        if fractionDigits.isEmpty, !hasExponent, let integer = plainInteger(negative: negative, digits: integerDigits) {
            return .int(integer)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw JSONParseError(offset: start, reason: "a number too large for a Double")
        }
        // Everything else follows JSONDecoder's rules for an Int64, so stored data keeps the case it had: the Double
        // must be integral and in range (1.0, 1e2, and 1.00000000000000001, which rounds to 1); below 2^53 that Double is
        // the value; above, the digits decide, with any fraction dropped (926158072222222223.2 is ...223, not the
        // Double's ...208), and digits that overflow a UInt64 (9007199254740993.9999999) leave the number a Double.
        guard Int64(exactly: double) != nil else { return .double(double) }
        if double.magnitude < 0x1p53 { return .int(Int64(double)) }
        if let integer = truncatedInteger(negative: negative, integer: integerDigits, fraction: fractionDigits, exponent: exponent) {
            return .int(integer)
        }
        return .double(double)
    }

    /// Digits without fraction or exponent as Int64; nil when they overflow.
    private func plainInteger(negative: Bool, digits: Range<Int>) -> Int64? {
        var value: Int64 = 0
        for i in digits {
            let digit = Int64(bytes[i] - UInt8(ascii: "0"))
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowShift || overflowAdd { return nil }
            value = next
        }
        return value
    }

    /// The number's integer part, computed in decimal as JSONDecoder's `Decimal` fallback does: the digits go into a
    /// 128-bit mantissa while they fit (an integer digit that does not fit scales the exponent instead; a fraction
    /// digit that does not fit is dropped with the rest of the fraction), trailing zeros are moved into the exponent,
    /// the mantissa must then fit a UInt64, the fraction is truncated, and the magnitude must fit Int64 (so -2^63
    /// itself is refused here, as there).
    private func truncatedInteger(negative: Bool, integer: Range<Int>, fraction: Range<Int>, exponent: Int) -> Int64? {
        var mantissa: UInt128 = 0
        var scale = exponent
        func appending(_ index: Int) -> UInt128? {
            let (shifted, overflowShift) = mantissa.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = shifted.addingReportingOverflow(UInt128(bytes[index] - UInt8(ascii: "0")))
            return overflowShift || overflowAdd ? nil : next
        }
        for index in integer {
            if let next = appending(index) { mantissa = next } else { scale += 1 }
        }
        for index in fraction {
            guard let next = appending(index) else { break }
            mantissa = next
            scale -= 1
        }
        guard mantissa != 0 else { return 0 }
        while mantissa % 10 == 0 {
            mantissa /= 10
            scale += 1
        }
        guard var magnitude = UInt64(exactly: mantissa) else { return nil }
        // Bounded either way: 20 divisions reach zero, and 20 multiplications overflow any nonzero UInt64.
        while scale < 0, magnitude != 0 { magnitude /= 10; scale += 1 }
        while scale > 0, magnitude != 0 {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = shifted
            scale -= 1
        }
        guard let value = Int64(exactly: magnitude) else { return nil }
        return negative ? -value : value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }
}
