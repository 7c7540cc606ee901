import Foundation

/// A header value or request body of `spec.verify.http` that may carry the candidate value.
///
/// Syntax (deliberately tiny, so it cannot do anything but substitute):
/// - `{{ candidate.KEY }}`: the candidate value of Secret key KEY (any key the rotation writes, e.g. `password`,
///   or a basicAuth key's `KEY.username` / `KEY.password`);
/// - `{{ base64 candidate.KEY }}`: the same, standard base64;
/// - `{{ basicAuth candidate.KEY }}`: base64 of `username:password` for the basicAuth key KEY, for an
///   `Authorization: Basic …` header.
///
/// Whitespace inside the braces is optional. `{{` always opens a placeholder; there is no escape. Rendered values
/// are secrets: callers never log them.
public struct VerifyTemplate: Sendable, Hashable {
    public enum Function: String, Sendable, Hashable {
        case value
        case base64
        case basicAuth
    }

    public struct Placeholder: Sendable, Hashable {
        /// The Secret key the placeholder reads (for basicAuth, the key whose `.username`/`.password` it reads).
        public var key: String
        public var function: Function
    }

    public enum Segment: Sendable, Hashable {
        case literal(String)
        case placeholder(Placeholder)
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public struct RenderError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The key with no candidate value (a name, never a value).
        public var missingKey: String
        public init(missingKey: String) { self.missingKey = missingKey }
        public var description: String { "no candidate value for key \"\(missingKey)\"" }
    }

    public let segments: [Segment]

    public init(parsing text: String) throws(ParseError) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ParseError(reason: "unterminated \"{{\"")
            }
            let words = rest[open.upperBound..<close.lowerBound].split(whereSeparator: \.isWhitespace)
            let function: Function
            let reference: Substring
            switch words.count {
            case 1: (function, reference) = (.value, words[0])
            case 2:
                guard let f = Function(rawValue: String(words[0])), f != .value else {
                    throw ParseError(reason: "unknown function \"\(words[0])\" (use base64 or basicAuth)")
                }
                (function, reference) = (f, words[1])
            default:
                throw ParseError(reason: "a placeholder is {{ candidate.KEY }}, {{ base64 candidate.KEY }} or "
                                 + "{{ basicAuth candidate.KEY }}")
            }
            guard reference.hasPrefix("candidate."), reference.count > "candidate.".count else {
                throw ParseError(reason: "\"\(reference)\" must be candidate.KEY")
            }
            segments.append(.placeholder(Placeholder(key: String(reference.dropFirst("candidate.".count)),
                                                     function: function)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.segments = segments
    }

    public var placeholders: [Placeholder] {
        segments.compactMap { if case .placeholder(let p) = $0 { p } else { nil } }
    }

    public var hasPlaceholders: Bool { !placeholders.isEmpty }

    /// Substitutes candidate values (`values` maps Secret key → candidate value).
    public func render(values: [String: String]) throws(RenderError) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .placeholder(let p):
                switch p.function {
                case .value:
                    guard let v = values[p.key] else { throw RenderError(missingKey: p.key) }
                    out += v
                case .base64:
                    guard let v = values[p.key] else { throw RenderError(missingKey: p.key) }
                    out += Data(v.utf8).base64EncodedString()
                case .basicAuth:
                    let userKey = BasicAuthKeys.username(p.key)
                    let passwordKey = BasicAuthKeys.password(p.key)
                    guard let user = values[userKey] else { throw RenderError(missingKey: userKey) }
                    guard let password = values[passwordKey] else { throw RenderError(missingKey: passwordKey) }
                    out += Data("\(user):\(password)".utf8).base64EncodedString()
                }
            }
        }
        return out
    }
}

/// The extra data keys a basicAuth generator writes next to its htpasswd line.
public enum BasicAuthKeys {
    public static func username(_ key: String) -> String { key + ".username" }
    public static func password(_ key: String) -> String { key + ".password" }
}
