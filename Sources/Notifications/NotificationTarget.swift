import Foundation

/// Where notifications go: a webhook (`--notify-url`, signed JSON) or Alertmanager (`--alertmanager-url`, its v2 API).
public struct NotificationTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case webhook
        case alertmanager
    }

    public var kind: Kind
    public var url: URL

    /// - Throws: ``NotificationError/invalidURL(flag:value:)`` for anything but an absolute http(s) URL with a host.
    public init(kind: Kind, parsing text: String) throws(NotificationError) {
        let flag = kind == .webhook ? "--notify-url" : "--alertmanager-url"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw .invalidURL(flag: flag, value: Self.redacted(text)) }
        self.kind = kind
        self.url = url
    }

    /// Where the request goes: the URL itself for a webhook, `<base>/api/v2/alerts` for Alertmanager.
    public var endpoint: URL {
        switch kind {
        case .webhook: url
        case .alertmanager:
            url.appendingPathComponent("api").appendingPathComponent("v2").appendingPathComponent("alerts")
        }
    }

    /// The URL without user information or query (either may carry a token), for logs, errors and dead letters.
    public var description: String { Self.redacted(url.absoluteString) }

    public static func redacted(_ text: String) -> String {
        guard var parts = URLComponents(string: text) else { return "<unparsable URL>" }
        parts.user = nil
        parts.password = nil
        let hadQuery = parts.query != nil
        parts.query = nil
        parts.fragment = nil
        return (parts.string ?? "<unparsable URL>") + (hadQuery ? "?…" : "")
    }
}
