import Foundation
import KeywardCore
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

/// The real probe: libcurl through the client's transport (system trust store, HTTP/1.1 or 2), aimed by a tenant,
/// so it is fenced: only addresses the ``EgressPolicy`` allows (checked on the resolved address at connect time),
/// no redirects, no proxy, no decompression, at most ``responseBodyLimit`` bytes of the body read (and discarded),
/// at most ``maximumTimeout``, and only a classified outcome (``HTTPCheckResult``) in the reason.
public final class HTTPVerificationProbe: VerificationProbe {
    public static let responseBodyLimit = 64 * 1024
    public static let maximumTimeout: TimeInterval = 60
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT"]

    private let transport: CurlTransport
    public let egress: EgressPolicy

    /// - Parameters:
    ///   - tls: trust settings; default the system store.
    ///   - egress: where requests may go; default the built-in deny list (loopback, link-local, unspecified).
    public init(tls: TLSSettings = TLSSettings(), egress: EgressPolicy = EgressPolicy()) {
        transport = CurlTransport(tls: tls)
        self.egress = egress
    }

    public func check(_ request: VerificationRequest) async -> VerificationOutcome {
        let target = "\(request.method) \(request.url.absoluteString)"
        // The transport has no HEAD (libcurl would wait for a body HEAD never sends); GET answers with the same
        // status for every sane server, and its body is not read past the limit.
        let method: HTTPRequest.Method
        switch request.method.uppercased() {
        case "GET", "HEAD": method = .get
        case "POST": method = .post
        case "PUT": method = .put
        default: return .failed(reason: "\(target): method not allowed (use GET, HEAD, POST or PUT)")
        }
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .failed(reason: "\(target): only http and https URLs are allowed")
        }
        if let bad = request.headers.first(where: { HTTPFieldValue.hasControlCharacter($0.name + $0.value) }) {
            return .failed(reason: "\(target): header \(bad.name.debugDescription) contains a control character")
        }
        let seconds = min(max(0.001, request.timeout), Self.maximumTimeout)
        let http = HTTPRequest(method: method, url: request.url, headers: request.headers, body: request.body,
                               timeout: .milliseconds(Int64(seconds * 1000)), egress: egress,
                               discardBodyAfter: Self.responseBodyLimit)
        let result: HTTPCheckResult
        do {
            result = .answered(status: try await transport.send(http).status)
        } catch let error as TransportError {
            result = HTTPCheckResult(error)
        } catch {
            result = .connectionFailed
        }
        if result == .answered(status: request.expectedStatus) { return .passed }
        return .failed(reason: "\(target) \(result)" + (result.isAnswer ? ", expected \(request.expectedStatus)" : ""))
    }

    deinit { transport.shutdown() }
}

extension HTTPCheckResult {
    fileprivate var isAnswer: Bool { if case .answered = self { true } else { false } }
}
