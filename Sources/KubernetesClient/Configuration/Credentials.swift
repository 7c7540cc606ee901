import Foundation
import KeywardCore
import Synchronization

/// How requests authenticate. Client certificates live in ``TLSSettings``; this covers bearer tokens.
public enum Credentials: Sendable, Hashable {
    case none
    case token(String)
    /// A token file that may rotate (projected service-account tokens): re-read at most every `refreshInterval`.
    case tokenFile(path: String, refreshInterval: TimeInterval = 60)
}

extension Credentials: CustomStringConvertible {
    /// Never prints the token itself.
    public var description: String {
        switch self {
        case .none: "none"
        case .token: "token(redacted)"
        case .tokenFile(let path, _): "tokenFile(\(path))"
        }
    }
}

/// Produces the current bearer token, re-reading rotating token files (client-go re-reads every minute).
final class TokenProvider: Sendable {
    private let credentials: Credentials
    private let clock: any WallClock
    private let cache = Mutex<(token: String?, readAt: Date?)>((nil, nil))

    init(credentials: Credentials, clock: any WallClock) {
        self.credentials = credentials
        self.clock = clock
    }

    func currentToken() throws -> String? {
        switch credentials {
        case .none: return nil
        case .token(let token): return token
        case .tokenFile(let path, let refresh):
            let now = clock.now
            if let cached = cache.withLock({ c -> String? in
                guard let token = c.token, let readAt = c.readAt, now.timeIntervalSince(readAt) < refresh else { return nil }
                return token
            }) {
                return cached
            }
            do {
                let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                cache.withLock { $0 = (token, now) }
                return token
            } catch {
                // A transiently unreadable file (mid-rotation) keeps the last good token rather than failing requests.
                if let last = cache.withLock({ $0.token }) { return last }
                throw ConfigurationError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
            }
        }
    }

    /// Forgets the cached token so the next request re-reads the file (after a 401).
    func invalidate() { cache.withLock { $0.readAt = nil } }
}
