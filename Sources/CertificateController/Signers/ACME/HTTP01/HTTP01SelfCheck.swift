import Foundation
import KeywardCore
import KubernetesClient
import Synchronization

/// Fetches `http://<domain>/.well-known/acme-challenge/<token>` the way the CA will, before the CA is asked to:
/// a broken route becomes a condition that says what came back instead of a failed order that costs rate limit.
///
/// Fenced like every tenant-aimed request: each connection through the ``EgressPolicy`` (checked on the address
/// connected to), no proxy, a bounded time and body. Redirects are followed only as Let's Encrypt follows them: at
/// most 10, to http or https on ports 80 or 443 (certificate errors on https are ignored, as the CA ignores them).
public struct HTTP01SelfCheck: Sendable {
    public static let maximumRedirects = 10
    public static let timeout: Duration = .seconds(10)
    /// A key authorization is ~87 bytes; anything much longer is not one.
    public static let bodyLimit = 8 * 1024

    /// The port the CA connects to first (80; Pebble's `httpPort` in tests).
    public var port: Int
    public var connectTo: [HTTP01ConnectTo]
    private let transport = LazyTransport()

    public init(port: Int = 80, connectTo: [HTTP01ConnectTo] = []) {
        self.port = port
        self.connectTo = connectTo
    }

    /// One bounded attempt (up to the redirect limit): `.ready` when the body is the key authorization.
    public func check(domain: String, token: String, keyAuthorization: String, egress: EgressPolicy) async -> ACMESelfCheck {
        let path = "/.well-known/acme-challenge/\(token)"
        guard var url = URL(string: "http://\(domain)\(port == 80 ? "" : ":\(port)")\(path)") else {
            return .notReady("self-check: \(domain) is not a name an HTTP URL can carry")
        }
        let first = url.absoluteString
        for hop in 0...Self.maximumRedirects {
            let response: HTTPResponse
            do {
                response = try await transport.value.send(request(for: url, egress: egress))
            } catch let error as TransportError {
                return .notReady("self-check GET \(first): \(Self.describe(error))")
            } catch {
                return .notReady("self-check GET \(first): \(error)")
            }
            if (300..<400).contains(response.status), [301, 302, 303, 307, 308].contains(response.status) {
                guard hop < Self.maximumRedirects else {
                    return .notReady("self-check GET \(first): more than \(Self.maximumRedirects) redirects")
                }
                guard let location = response.header("location"), let next = URL(string: location, relativeTo: url)?.absoluteURL,
                      let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https",
                      [80, 443].contains(next.port ?? (scheme == "https" ? 443 : 80)) || next.host == url.host && next.port == url.port
                else {
                    return .notReady("self-check GET \(first): HTTP \(response.status) redirects to a location the CA does not follow "
                                     + "(only http or https on ports 80 or 443)")
                }
                url = next
                continue
            }
            guard response.status == 200 else {
                return .notReady("self-check GET \(first): HTTP \(response.status) (expected 200 with the key authorization; "
                                 + "does the route reach Keyward's challenge listener?)")
            }
            let body = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return body == keyAuthorization
                ? .ready
                : .notReady("self-check GET \(first): HTTP 200 but the body is not this challenge's key authorization "
                            + "(another server answers for \(domain)?)")
        }
        return .notReady("self-check GET \(first): more than \(Self.maximumRedirects) redirects")
    }

    /// The request for one hop, aimed through a matching ``HTTP01ConnectTo`` (the Host header keeps the name).
    private func request(for url: URL, egress: EgressPolicy) -> HTTPRequest {
        let scheme = url.scheme?.lowercased() ?? "http"
        let host = url.host ?? "", port = url.port ?? (scheme == "https" ? 443 : 80)
        var target = url
        var headers: [(name: String, value: String)] = []
        if let rule = connectTo.first(where: { $0.matches(host: host, port: port) }),
           var components = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            components.host = rule.targetHost.contains(":") ? "[\(rule.targetHost)]" : rule.targetHost
            components.port = rule.targetPort
            if let redirected = components.url {
                target = redirected
                headers.append((name: "Host", value: (url.port.map { "\(host):\($0)" }) ?? host))
            }
        }
        var request = HTTPRequest(method: .get, url: target, headers: headers, timeout: Self.timeout, egress: egress)
        request.maxBodyBytes = Self.bodyLimit
        return request
    }

    /// Classified transport failures (curl's text can be long; the class and target are what help).
    private static func describe(_ error: TransportError) -> String {
        switch error {
        case .dns(let host, _): "cannot resolve \(host)"
        case .connect: "cannot connect"
        case .timeout: "timed out after \(timeout)"
        case .egressDenied: "the name resolves only to addresses the egress policy denies"
        case .bodyTooLarge: "the body is larger than \(bodyLimit) bytes"
        case .tls: "TLS failure on a redirect"
        case .connectionLost: "the connection was closed mid-response"
        case .other(_, let code, _): "transfer failed (curl \(code))"
        case .shutdown: "the HTTP transport has shut down"
        }
    }
}

/// The self-check's libcurl transport (a thread of its own), made on the first check: an operator or a run that
/// never self-checks starts none.
private final class LazyTransport: Sendable {
    private let transport = Mutex<CurlTransport?>(nil)

    var value: CurlTransport {
        transport.withLock { transport in
            if let transport { return transport }
            // No verification on https hops: the CA does not verify them either; nothing sent is secret.
            let made = CurlTransport(tls: TLSSettings(insecureSkipVerify: true), http2: false)
            transport = made
            return made
        }
    }
}
