import Foundation

/// Removes key material from text bound for Events and logs: PEM blocks, and PEM blocks that were base64-encoded
/// once more (the form Secret `data` holds them in).
///
/// Defence in depth for "secrets never appear in Events": callers must not put them there in the first place, but
/// a message built from an error description can carry more than its author meant.
public enum SecretScrubber {
    /// `-----BEGIN` base64-encoded (what a `tls.key` value in Secret data starts with).
    private static let encodedPEMPrefix = "LS0tLS1CRUdJTi"

    public static func scrub(_ text: String) -> String {
        scrubEncodedPEM(scrubPEM(text))
    }

    /// Replaces each `-----BEGIN X-----` … `-----END X-----` with `[redacted X]`; an unterminated block is removed
    /// to the end of the text, since its end may have been cut off.
    static func scrubPEM(_ text: String) -> String {
        guard text.contains("-----BEGIN") else { return text }
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

    /// Replaces base64 runs that decode to a PEM block.
    static func scrubEncodedPEM(_ text: String) -> String {
        guard text.contains(encodedPEMPrefix) else { return text }
        var result = ""
        var rest = text[...]
        while let start = rest.range(of: encodedPEMPrefix) {
            result += rest[..<start.lowerBound]
            let run = rest[start.lowerBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
            result += "[redacted base64 PEM block]"
            rest = rest[run.endIndex...]
        }
        return result + rest
    }
}
