import Foundation
import KeywardCore
import KubernetesClient

/// Sends one POST; injected so the notifier's logic can be driven without sockets.
public protocol NotificationTransport: Sendable {
    /// The response status, or a thrown transport error.
    func post(_ url: URL, headers: [(name: String, value: String)], body: Data, egress: EgressPolicy,
              timeout: Duration) async throws -> Int
}

/// libcurl through the client's transport, fenced like every outbound request Keyward makes to an address it did
/// not pick itself: the egress policy on the connected address, no proxy, no redirects, a bounded response read.
public final class CurlNotificationTransport: NotificationTransport {
    /// Receivers answer with a status; their body is read no further than this and never kept.
    static let responseBodyLimit = 4096
    private let transport: CurlTransport

    public init(tls: TLSSettings = TLSSettings()) { transport = CurlTransport(tls: tls, http2: false) }

    public func post(_ url: URL, headers: [(name: String, value: String)], body: Data, egress: EgressPolicy,
                     timeout: Duration) async throws -> Int {
        let request = HTTPRequest(method: .post, url: url, headers: headers, body: body, timeout: timeout, egress: egress,
                                  discardBodyAfter: Self.responseBodyLimit)
        return try await transport.send(request).status
    }

    public func shutdown() { transport.shutdown() }
}
