import Foundation
import KeywardCore
import KubernetesClient

/// An RFC 8555 client for one account at one ACME server, over the project's libcurl transport.
///
/// Every order object is addressed by URL, so a caller that persists the URLs it got (the order URL is enough)
/// resumes the same order after a restart. The client never sleeps on the server's behalf: `Retry-After` is
/// returned (``ACMEOrder/retryAfter``, ``ACMEError/rateLimited(_:url:retryAfter:)``) and the caller schedules the
/// next attempt. `badNonce` is the one thing retried inside, at once and a bounded number of times: the error
/// carries a fresh nonce, so a retry is not a hot loop against a failing server.
public actor ACMEClient {
    public nonisolated let configuration: ACMEClientConfiguration
    public nonisolated let accountKey: ACMEAccountKey
    /// The account URL (`kid`): set by ``registerAccount(contact:termsOfServiceAgreed:externalAccountBinding:)`` or
    /// ``findAccount()``, or given at init from persisted state.
    public internal(set) var accountURL: URL?

    let transport: CurlTransport
    let clock: any WallClock
    private var cachedDirectory: ACMEDirectory?
    private var nonces = NoncePool()
    /// Requests sent, nonce fetches and badNonce retries included (for tests and benchmarks).
    public private(set) var requestCount = 0
    public private(set) var badNonceRetries = 0

    /// - Parameters:
    ///   - transport: shared connection pool; `nil` builds one trusting ``ACMEClientConfiguration/caPEM`` (plus the
    ///     system store when asked) or, without it, the system store.
    ///   - clock: turns delay-seconds `Retry-After` values into times.
    public init(configuration: ACMEClientConfiguration, accountKey: ACMEAccountKey, accountURL: URL? = nil,
                transport: CurlTransport? = nil, clock: any WallClock = SystemClock()) {
        self.configuration = configuration
        self.accountKey = accountKey
        self.accountURL = accountURL
        self.transport = transport ?? CurlTransport(tls: TLSSettings(caPEM: configuration.trustedPEM))
        self.clock = clock
    }

    /// The directory, fetched once and cached for the life of the client.
    public func directory() async throws(ACMEError) -> ACMEDirectory {
        if let cachedDirectory { return cachedDirectory }
        let url = configuration.directoryURL
        let response = try await send(HTTPRequest(method: .get, url: url))
        guard response.status == 200 else { throw unexpected(response, url: url) }
        let directory: ACMEDirectory = try decode(response, url: url)
        cachedDirectory = directory
        return directory
    }

    // MARK: Requests

    /// Sends one request with the configured egress policy, timeout and body bound; keeps any Replay-Nonce.
    func send(_ request: HTTPRequest) async throws(ACMEError) -> HTTPResponse {
        var request = request
        request.egress = configuration.egress
        request.timeout = configuration.requestTimeout
        request.maxBodyBytes = configuration.maxResponseBytes
        request.headers.append((name: "User-Agent", value: configuration.userAgent))
        requestCount += 1
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let error as TransportError {
            throw .transport(url: request.url.absoluteString, detail: error.description, retryable: error.isRetryable)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .transport(url: request.url.absoluteString, detail: "\(error)", retryable: false)
        }
        nonces.add(response.header("Replay-Nonce"))
        return response
    }

    /// A nonce from the pool, or a new one from `newNonce` (GET, which RFC 8555 §7.2 requires servers to answer
    /// like HEAD; the transport has no HEAD).
    private func nonce() async throws(ACMEError) -> String {
        if let nonce = nonces.take() { return nonce }
        let url = try await directory().newNonce
        let response = try await send(HTTPRequest(method: .get, url: url))
        guard (200..<300).contains(response.status) else { throw unexpected(response, url: url) }
        guard let nonce = nonces.take() else {
            throw .malformedResponse(url: url.absoluteString, detail: "no Replay-Nonce header")
        }
        return nonce
    }

    enum Identity {
        /// The account URL (every request after newAccount).
        case account
        /// A public JWK: newAccount, or revocation signed by the certificate's own key.
        case jwk(ACMEAccountKey)
    }

    /// A signed POST (`payload` nil = POST-as-GET). Problem documents become errors; `badNonce` is retried with a
    /// fresh nonce up to ``ACMEClientConfiguration/maxBadNonceRetries`` times.
    func post(_ url: URL, payload: Data?, as identity: Identity = .account,
              accept: String? = nil) async throws(ACMEError) -> HTTPResponse {
        let signer: JWS.Signer
        switch identity {
        case .account:
            guard let accountURL else { throw .noAccount }
            signer = .kid(accountKey, accountURL: accountURL.absoluteString)
        case .jwk(let key):
            signer = .jwk(key)
        }
        let attempts = max(1, configuration.maxBadNonceRetries + 1)
        for attempt in 1...attempts {
            let body = try JWS.sign(payload: payload, url: url.absoluteString, nonce: try await nonce(), signer: signer)
            var headers = [(name: "Content-Type", value: "application/jose+json")]
            if let accept { headers.append((name: "Accept", value: accept)) }
            let response = try await send(HTTPRequest(method: .post, url: url, headers: headers, body: body))
            guard response.status >= 400 else { return response }
            guard let problem = problem(in: response) else { throw unexpected(response, url: url) }
            if problem.isBadNonce {
                if attempt < attempts { badNonceRetries += 1; continue }
                throw .badNonceRetriesExhausted(url: url.absoluteString, attempts: attempts)
            }
            if problem.isRateLimited || response.status == 429 {
                throw .rateLimited(problem, url: url.absoluteString, retryAfter: retryAfter(response))
            }
            throw .problem(problem, url: url.absoluteString)
        }
        throw .badNonceRetriesExhausted(url: url.absoluteString, attempts: attempts)
    }

    // MARK: Response helpers

    func problem(in response: HTTPResponse) -> ACMEProblem? {
        let type = response.header("Content-Type") ?? ""
        guard type.contains("json") else { return nil }
        return try? JSONDecoder().decode(ACMEProblem.self, from: response.body)
    }

    func retryAfter(_ response: HTTPResponse) -> Date? {
        response.header("Retry-After").flatMap { RetryAfter.parse($0, now: clock.now) }
    }

    func decode<T: Decodable>(_ response: HTTPResponse, url: URL) throws(ACMEError) -> T {
        do { return try RFC3339Date.decoder().decode(T.self, from: response.body) } catch {
            throw .malformedResponse(url: url.absoluteString, detail: "\(T.self) does not decode: \(Self.summary(of: error))")
        }
    }

    func location(_ response: HTTPResponse, url: URL) throws(ACMEError) -> URL {
        guard let value = response.header("Location"), let location = URL(string: value, relativeTo: url)?.absoluteURL
        else { throw .malformedResponse(url: url.absoluteString, detail: "no Location header") }
        return location
    }

    func unexpected(_ response: HTTPResponse, url: URL) -> ACMEError {
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .filter { !$0.isNewline && ($0.isASCII ? $0.asciiValue! >= 0x20 : true) }
        return .unexpectedResponse(url: url.absoluteString, status: response.status, detail: text.isEmpty ? "(empty body)" : text)
    }

    /// A decoding error's gist (the key path and what was wrong), without the body it came from.
    private static func summary(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        switch error {
        case .keyNotFound(let key, _): return "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default: return "not JSON"
        }
    }

    /// JSON body for a payload.
    func json(_ value: some Encodable) throws(ACMEError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch { throw .malformedResponse(url: "", detail: "cannot encode the request") }
    }
}
