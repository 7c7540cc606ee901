import Foundation
import KubernetesClient
import RotationStrategies

/// One HTTP check of a candidate. Headers and body may carry the candidate, so the description shows neither.
public struct VerificationRequest: Sendable, CustomStringConvertible {
    public var url: URL
    /// GET, HEAD, POST or PUT.
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var expectedStatus: Int
    public var timeout: TimeInterval

    public init(url: URL, method: String = "GET", headers: [(name: String, value: String)] = [], body: Data? = nil,
                expectedStatus: Int = 200, timeout: TimeInterval = 10) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.expectedStatus = expectedStatus
        self.timeout = timeout
    }

    public var description: String {
        "\(method) \(url.absoluteString) (headers: \(headers.map(\.name).joined(separator: ", ")); "
            + "body: \(body.map { "\($0.count) bytes" } ?? "none"); values redacted)"
    }
}

/// Checks a candidate against the service that will use it. Injected so tests (and other transports) can stand in.
public protocol VerificationProbe: Sendable {
    /// Never throws: every failure is a failed verification whose reason names what failed, never a value.
    func check(_ request: VerificationRequest) async -> VerificationOutcome
}

/// The real probe: libcurl through the client's transport (system trust store, HTTP/1.1 or 2).
public final class HTTPVerificationProbe: VerificationProbe {
    private let transport: CurlTransport

    /// - Parameter tls: trust settings; default the system store.
    public init(tls: TLSSettings = TLSSettings()) {
        transport = CurlTransport(tls: tls)
    }

    public func check(_ request: VerificationRequest) async -> VerificationOutcome {
        // The transport has no HEAD (libcurl would wait for a body HEAD never sends); GET answers with the same
        // status for every sane server.
        let method: HTTPRequest.Method = switch request.method.uppercased() {
        case "POST": .post
        case "PUT": .put
        default: .get
        }
        let seconds = max(0.001, request.timeout)
        let http = HTTPRequest(method: method, url: request.url, headers: request.headers, body: request.body,
                               timeout: .milliseconds(Int64(seconds * 1000)))
        do {
            let response = try await transport.send(http)
            if response.status == request.expectedStatus { return .passed }
            return .failed(reason: "\(request.method) \(request.url.absoluteString) answered \(response.status), "
                           + "expected \(request.expectedStatus)")
        } catch let error as TransportError {
            return .failed(reason: error.description)
        } catch {
            return .failed(reason: "\(request.method) \(request.url.absoluteString) failed: \(type(of: error))")
        }
    }

    deinit { transport.shutdown() }
}
