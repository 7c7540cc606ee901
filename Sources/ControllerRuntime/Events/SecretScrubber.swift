import Foundation
import KubernetesClient

/// Removes key material from text bound for Events, logs and status messages: PEM blocks, PEM blocks that were
/// base64-encoded once more (the form Secret `data` holds them in), and the DER of private keys written as base64,
/// hex or a byte list — each also when wrapped over several lines.
///
/// Defence in depth for "secrets never appear in Events or status": callers must not put them there in the first
/// place, but a message built from an error description can carry more than its author meant.
public enum SecretScrubber {
    /// `-----BEGIN` base64-encoded (what a `tls.key` value in Secret data starts with).
    private static let encodedPEMPrefix = Array("LS0tLS1CRUdJTi".utf8)

    public static func scrub(_ text: String) -> String {
        scrubByteLists(scrubHexDER(scrubBase64(scrubPEM(text))))
    }

    /// A byte search for the quick "nothing to scrub" checks: every status message passes through them, and
    /// Foundation's `contains` goes through CFString.
    private static func contains(_ text: String, _ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= pattern.count, let first = pattern.first else { return false }
            var index = 0
            while index <= bytes.count - pattern.count {
                if bytes[index] == first, UnsafeBufferPointer(rebasing: bytes[index..<index + pattern.count]).elementsEqual(pattern) {
                    return true
                }
                index += 1
            }
            return false
        }
    }

    /// `object` with every human-readable status message (conditions, last errors) scrubbed; the last write a
    /// store makes before a status reaches the API or disk.
    public static func scrubStatus<T: HasStatusSubresource>(_ object: T) -> T {
        var object = object
        object.transformStatusMessages(scrub)
        return object
    }

    /// Replaces each `-----BEGIN X-----` … `-----END X-----` with `[redacted X]`; an unterminated block is removed
    /// to the end of the text, since its end may have been cut off.
    static func scrubPEM(_ text: String) -> String {
        guard contains(text, "-----BEGIN") else { return text }
        var result = ""
        var rest = text[...]
        while let begin = rest.range(of: "-----BEGIN") {
            result += rest[..<begin.lowerBound]
            let afterBegin = rest[begin.upperBound...]
            guard let headerEnd = afterBegin.range(of: "-----") else {
                result += "[redacted PEM block]"
                return result
            }
            let label = afterBegin[..<headerEnd.lowerBound].trimmingCharacters(in: .whitespaces)
            let shownLabel = !label.isEmpty && label.count <= 40
                && label.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == " ") }) ? label : "PEM block"
            result += "[redacted \(shownLabel)]"
            let body = afterBegin[headerEnd.upperBound...]
            guard let end = body.range(of: "-----END"),
                let footerEnd = body[end.upperBound...].range(of: "-----")
            else {
                return result
            }
            rest = body[footerEnd.upperBound...]
        }
        return result + rest
    }

    // MARK: Base64

    /// Replaces base64 runs that decode to a PEM block or to a private key's DER. A run may continue over line
    /// breaks (`\n`, `\r\n`, or a literal `\n` as in JSON), optionally indented, when the line before is at least
    /// 16 characters long: the shape of wrapped base64, and not of prose.
    static func scrubBase64(_ text: String) -> String {
        // Key material found below starts with the `L` of `LS0tLS1CRUdJTi` or the `M` of a DER SEQUENCE (0x30) (its
        // rest may be wrapped onto the next line): without either, every word of a status message would be a base64
        // run checked for nothing.
        guard contains(text, "M") || contains(text, "L") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard isBase64(bytes[i]), i == 0 || !isBase64(bytes[i - 1]) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            let segments = base64Segments(bytes, from: i)
            let end = segments[segments.count - 1].upperBound
            if let (start, what) = keyMaterial(in: bytes, segments: segments) {
                out += bytes[i..<start]
                out += Array("[redacted \(what)]".utf8)
            } else {
                out += bytes[i..<end]
            }
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where key material starts in a run, and what it is. Candidates: each line's start, and each position after a
    /// base64 character that is not a letter or digit (`key=LS0t…`, `/path/MIIE…`).
    private static func keyMaterial(in bytes: [UInt8], segments: [Range<Int>]) -> (start: Int, what: String)? {
        for (index, segment) in segments.enumerated() {
            var candidates = [segment.lowerBound]
            // After an escape such as `\n` in JSON text the run starts with the escape's letter.
            if segment.lowerBound > 0, bytes[segment.lowerBound - 1] == UInt8(ascii: "\\") { candidates.append(segment.lowerBound + 1) }
            for position in segment where position + 1 < segment.upperBound {
                let c = bytes[position]
                if !(isAlphanumeric(c)) { candidates.append(position + 1) }
                if c == encodedPEMPrefix[0], bytes[position..<segment.upperBound].starts(with: encodedPEMPrefix) {
                    candidates.append(position)
                }
            }
            for start in candidates {
                // The run from `start`: the rest of this line, then the following lines.
                var head: [UInt8] = Array(bytes[start..<segment.upperBound].prefix(16))
                for next in segments[(index + 1)...] where head.count < 16 { head += bytes[next].prefix(16 - head.count) }
                if head.starts(with: encodedPEMPrefix) { return (start, "base64 PEM block") }
                if isPrivateKeyDER(decodeBase64(head)) { return (start, "base64 private key") }
            }
        }
        return nil
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// The lines of a base64 run starting at `start`. Wrapped base64 has lines of one width (a multiple of 4, at
    /// least 16) and a last line no longer than that: the run continues over a line break only while the line
    /// before is exactly that width and unpadded, and only to a line no wider, so the prose after a block stays.
    private static func base64Segments(_ bytes: [UInt8], from start: Int) -> [Range<Int>] {
        var segments = [start..<segmentEnd(bytes, from: start)]
        let width = segments[0].count
        guard width >= 16, width % 4 == 0 else { return segments }
        while let current = segments.last, current.count == width, bytes[current.upperBound - 1] != UInt8(ascii: "=") {
            guard let next = lineContinuation(bytes, after: current.upperBound, isContent: isBase64) else { break }
            let line = next..<segmentEnd(bytes, from: next)
            guard line.count <= width else { break }
            segments.append(line)
        }
        return segments
    }

    private static func segmentEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var end = start
        while end < bytes.count, isBase64(bytes[end]) { end += 1 }
        return end
    }

    /// Where the next line's content starts after a line break at `position` (`\n`, `\r\n`, or a literal `\n` as in
    /// JSON, then optional indentation), if there is one and it starts with content.
    private static func lineContinuation(_ bytes: [UInt8], after position: Int, isContent: (UInt8) -> Bool) -> Int? {
        var k = position
        if k < bytes.count, bytes[k] == UInt8(ascii: "\r") { k += 1 }
        if k < bytes.count, bytes[k] == UInt8(ascii: "\n") {
            k += 1
        } else if k + 1 < bytes.count, bytes[k] == UInt8(ascii: "\\"), bytes[k + 1] == UInt8(ascii: "n") {
            k += 2
        } else {
            return nil
        }
        while k < bytes.count, bytes[k] == UInt8(ascii: " ") || bytes[k] == UInt8(ascii: "\t") { k += 1 }
        return k < bytes.count && isContent(bytes[k]) ? k : nil
    }

    private static func isBase64(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            || c == UInt8(ascii: "=") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }

    /// Decodes whole 4-character groups (standard or URL alphabet), stopping at the first that is not base64.
    private static func decodeBase64(_ chars: [UInt8]) -> [UInt8] {
        func value(_ c: UInt8) -> UInt32? {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
            default: nil
            }
        }
        var out: [UInt8] = []
        var index = 0
        while index + 4 <= chars.count {
            guard let a = value(chars[index]), let b = value(chars[index + 1]), let c = value(chars[index + 2]),
                let d = value(chars[index + 3])
            else { break }
            let group = a << 18 | b << 12 | c << 6 | d
            out += [UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group)]
            index += 4
        }
        return out
    }

    // MARK: DER

    /// Whether `prefix` starts like a private key's DER: a SEQUENCE whose first element is INTEGER 0 or 1 (the
    /// version of PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey and PKCS#8 PrivateKeyInfo / OneAsymmetricKey).
    /// Certificates, public keys and CRLs start otherwise. Only the first few bytes are needed, so a truncated key
    /// is recognised too.
    static func isPrivateKeyDER(_ prefix: [UInt8]) -> Bool {
        guard prefix.count >= 5, prefix[0] == 0x30 else { return false }
        let lengthByte = prefix[1]
        let header: Int
        if lengthByte < 0x80 {
            header = 2
        } else if lengthByte >= 0x81, lengthByte <= 0x84 {
            header = 2 + Int(lengthByte - 0x80)
        } else {
            return false
        }
        guard prefix.count >= header + 3 else { return false }
        return prefix[header] == 0x02 && prefix[header + 1] == 0x01 && prefix[header + 2] <= 0x01
    }

    /// Replaces hex runs (contiguous, or bytes separated by `:`, optionally wrapped over lines of one width) that
    /// decode to a private key's DER.
    static func scrubHexDER(_ text: String) -> String {
        guard contains(text, "30") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard isHex(bytes[i]), i == 0 || !(isHex(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: ":")) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var lines = [i..<hexLineEnd(bytes, from: i)]
            let width = lines[0].count
            while width >= 16, let current = lines.last, current.count == width,
                let next = lineContinuation(bytes, after: current.upperBound, isContent: isHex)
            {
                let line = next..<hexLineEnd(bytes, from: next)
                guard line.count <= width, line.upperBound == bytes.count || !isAlphanumeric(bytes[line.upperBound]) else { break }
                lines.append(line)
            }
            let digits = lines.flatMap { bytes[$0].filter(isHex) }
            let end = lines[lines.count - 1].upperBound
            if digits.count >= 14, isPrivateKeyDER(decodeHex(Array(digits.prefix(32)))) {
                out += Array("[redacted private key DER]".utf8)
            } else {
                out += bytes[i..<end]
            }
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The end of a line of hex bytes: digits, with single `:` between pairs.
    private static func hexLineEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var end = start
        while end < bytes.count {
            if isHex(bytes[end]) {
                end += 1
            } else if bytes[end] == UInt8(ascii: ":"), end + 1 < bytes.count, isHex(bytes[end + 1]) {
                end += 1
            } else {
                break
            }
        }
        return end
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    private static func decodeHex(_ digits: [UInt8]) -> [UInt8] {
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: c - UInt8(ascii: "A") + 10
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    /// Replaces byte lists as Swift prints `[UInt8]` (`[48, 130, 4, 164, 2, 1, 0, …]`) that hold a private key's DER,
    /// up to the closing bracket (or the end of the text, when it was cut off).
    static func scrubByteLists(_ text: String) -> String {
        guard contains(text, "[48,") else { return text }
        var result = ""
        var rest = text[...]
        while let open = rest.range(of: "[48,") {
            result += rest[..<open.lowerBound]
            let list = rest[open.lowerBound...].dropFirst()
            // The list runs while it looks like one; a list cut off ends where other text starts.
            let close = list.firstIndex { !($0.isASCII && ($0.isNumber || $0 == "," || $0 == " ")) } ?? list.endIndex
            let numbers = list[..<close].split(separator: ",").prefix(8)
                .map { UInt8($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if numbers.count >= 5, numbers.allSatisfy({ $0 != nil }), isPrivateKeyDER(numbers.compactMap { $0 }) {
                result += "[redacted private key DER]"
                rest = close < list.endIndex && list[close] == "]" ? list[list.index(after: close)...] : list[close...]
            } else {
                result += "["
                rest = list
            }
        }
        return result + rest
    }
}
