import CCurl
import Foundation
import KeywardCore

/// The head of a streamed response, delivered as soon as the headers are complete.
public struct HTTPStreamHead: Sendable {
    public var status: Int
    public var headers: [String: String]
}

/// One in-flight libcurl transfer. All mutable state is touched only on the transport's curl thread (inside
/// `curl_multi_perform` callbacks or the loop itself); other threads talk to it through the engine's command queue.
final class CurlTransfer: @unchecked Sendable {
    enum Completion {
        case buffered(CheckedContinuation<HTTPResponse, any Error>)
        case streaming(head: CheckedContinuation<HTTPStreamHead, any Error>?,
                       body: AsyncThrowingStream<Data, any Error>.Continuation)
    }

    let id: Int
    let url: String
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var requestBody: UnsafeMutableRawBufferPointer?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var completion: Completion
    private var status = 0
    private var headers: [String: String] = [:]
    private var body = Data()
    private var finished = false
    /// Set for targets someone else chose: see ``HTTPRequest/egress``.
    private let egress: EgressPolicy?
    private let discardBodyAfter: Int?
    private let maxBodyBytes: Int?
    private var bodyOverLimit = false
    private var bodyBytes = 0
    private var headerBytes = 0
    private var bodyTruncated = false
    /// Connections the egress policy refused (the transfer fails as ``TransportError/egressDenied`` when no other
    /// address worked).
    private var deniedConnections = 0

    /// Response headers kept at most for an egress-checked transfer (libcurl bounds each line, not their number).
    static let egressHeaderLimit = 64 * 1024

    /// Bounds how far a streamed body runs ahead of its reader; nil for buffered transfers.
    private let credit: StreamCredit?

    init(id: Int, request: HTTPRequest, tls: TLSSettings, http2: Bool, completion: Completion,
         credit: StreamCredit? = nil) throws {
        self.credit = credit
        // A CR or LF in a header would start another header (or the body) in the request libcurl writes.
        if let bad = request.headers.first(where: { HTTPFieldValue.hasControlCharacter($0.name + $0.value) }) {
            throw TransportError.other(url: request.url.absoluteString, curlCode: -1,
                                       detail: "header \(bad.name.debugDescription) contains a control character")
        }
        guard let easy = curl_easy_init() else {
            throw TransportError.other(url: request.url.absoluteString, curlCode: -1, detail: "curl_easy_init failed")
        }
        self.id = id
        self.url = request.url.absoluteString
        self.easy = easy
        self.completion = completion
        self.egress = request.egress
        self.discardBodyAfter = request.discardBodyAfter
        self.maxBodyBytes = request.maxBodyBytes
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(request: request, tls: tls, http2: http2)
    }

    deinit {
        curl_easy_cleanup(easy)
        if let headerList { curl_slist_free_all(headerList) }
        requestBody?.deallocate()
        errorBuffer.deallocate()
    }

    private func configure(request: HTTPRequest, tls: TLSSettings, http2: Bool) {
        ccurl_easy_setopt_string(easy, CURLOPT_URL, url)
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, UnsafeMutableRawPointer(bitPattern: id))
        ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1))
        // Requests started together wait for the first connection's ALPN answer instead of each opening one: over
        // HTTP/2 they then share it as streams.
        if http2 { ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1) }
        ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        if egress == nil {
            ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // whatever libcurl can decode (gzip, br, zstd)
        } else {
            // No Accept-Encoding and no decoding: what is read is what arrived, so a small compressed body cannot
            // expand in memory. No proxy: the policy must see the target's address, not a proxy's.
            ccurl_easy_setopt_string(easy, CURLOPT_PROXY, "")
            // A pooled connection was checked when it opened, perhaps under another policy: always connect anew.
            ccurl_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1)
            ccurl_easy_setopt_long(easy, CURLOPT_FORBID_REUSE, 1)
            ccurl_easy_setopt_opensocket(easy, curlOpenSocketCallback)
            ccurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
        }
        if let timeout = request.timeout {
            let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(max(ms, 1)))
        }

        // TLS: verification stays on unless explicitly disabled by configuration.
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0 : 1)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0 : 2)
        if let ca = tls.caPEM { setBlob(CURLOPT_CAINFO_BLOB, ca) }
        if let cert = tls.clientCertificatePEM, let key = tls.clientKeyPEM {
            ccurl_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM")
            setBlob(CURLOPT_SSLCERT_BLOB, cert)
            ccurl_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM")
            setBlob(CURLOPT_SSLKEY_BLOB, key)
        }

        switch request.method {
        case .get: ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case .post, .put, .patch, .delete:
            ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let data = request.body {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
            data.copyBytes(to: buffer)
            requestBody = buffer
            ccurl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, buffer.baseAddress)
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(data.count))
        } else if request.method == .post {
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0)
        }

        // "Expect: 100-continue" would add a round trip to every large write; the API server never needs it.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        headerList = list
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        ccurl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
    }

    private func setBlob(_ option: CURLoption, _ data: Data) {
        data.withUnsafeBytes { bytes in
            _ = ccurl_easy_setopt_blob(easy, option, bytes.baseAddress, bytes.count)
        }
    }

    // MARK: Callbacks (curl thread)

    /// Whether the header callback may go on (false aborts the transfer).
    fileprivate func countHeader(_ length: Int) -> Bool {
        headerBytes += length
        return egress == nil || headerBytes <= Self.egressHeaderLimit
    }

    fileprivate func receiveHeader(_ line: String) {
        // ASCII trimming by hand: Foundation's CharacterSet trimming on every header line of every response was 2% of
        // an issuance run. HTTP header whitespace is SP and HTAB; lines end in CRLF.
        let trimmed = Self.trimmed(Substring(line), newlines: true)
        if trimmed.hasPrefix("HTTP/") {
            // A new response (after 100-continue or a redirect) starts over.
            headers = [:]
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        } else if trimmed.isEmpty {
            if status >= 200, case .streaming(let head?, let body) = completion {
                completion = .streaming(head: nil, body: body)
                head.resume(returning: HTTPStreamHead(status: status, headers: headers))
            }
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = trimmed[..<colon].lowercased()
            let value = String(Self.trimmed(trimmed[trimmed.index(after: colon)...], newlines: false))
            // A repeated header (several `Link`s on an ACME response) is one comma-separated list (RFC 9110 §5.3).
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
    }

    /// `text` without leading and trailing SP and HTAB (and CR and LF with `newlines`).
    private static func trimmed(_ text: Substring, newlines: Bool) -> Substring {
        let utf8 = text.utf8
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || (newlines && (byte == 0x0D || byte == 0x0A)) }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return Substring(utf8[first...last])
    }

    /// What the write callback tells libcurl about a piece of the body.
    fileprivate enum BodyVerdict {
        case taken
        /// Ends the transfer (the discard or size limit was reached).
        case abort
        /// Keep it for later: the reader is behind (``StreamCredit``); libcurl delivers it again on resume.
        case pause
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> BodyVerdict {
        if let limit = discardBodyAfter {
            bodyBytes += bytes.count
            if bodyBytes > limit { bodyTruncated = true }
            return bodyTruncated ? .abort : .taken
        }
        if let limit = maxBodyBytes, body.count + bytes.count > limit {
            bodyOverLimit = true
            return .abort
        }
        switch completion {
        case .buffered: body.append(contentsOf: bytes)
        case .streaming(_, let continuation):
            if let credit, !credit.admit(bytes.count) { return .pause }
            continuation.yield(Data(bytes))
        }
        return .taken
    }

    /// Opens a socket only to an address the egress policy allows.
    fileprivate func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        var raw = [UInt8](repeating: 0, count: 16)
        let length = ccurl_sockaddr_ip(address, &raw)
        guard let egress, let ip = IPAddress(bytes: Array(raw.prefix(length))), egress.allows(ip) else {
            deniedConnections += 1
            return ccurl_socket_bad()
        }
        return ccurl_open_socket(address)
    }

    // MARK: Completion (curl thread)

    func finish(code: CURLcode) {
        guard !finished else { return }
        finished = true
        // A body cut at the discard limit is a complete answer: the status is what the caller wanted.
        let cut = code == CURLE_WRITE_ERROR && bodyTruncated
        let error: (any Error)? = code == CURLE_OK || cut ? nil
            : code == CURLE_WRITE_ERROR && bodyOverLimit ? TransportError.bodyTooLarge(url: url, limit: maxBodyBytes ?? 0)
            : transportError(code)
        switch completion {
        case .buffered(let continuation):
            if let error { continuation.resume(throwing: error) }
            else { continuation.resume(returning: HTTPResponse(status: status, headers: headers, body: body,
                                                                   bodyTruncated: bodyTruncated)) }
        case .streaming(let head, let stream):
            if let head {
                if let error { head.resume(throwing: error) }
                else { head.resume(returning: HTTPStreamHead(status: status, headers: headers)) }
            }
            if let error { stream.finish(throwing: error) } else { stream.finish() }
        }
    }

    func fail(_ error: any Error) {
        guard !finished else { return }
        finished = true
        switch completion {
        case .buffered(let continuation): continuation.resume(throwing: error)
        case .streaming(let head, let stream):
            head?.resume(throwing: error)
            stream.finish(throwing: error)
        }
    }

    private func transportError(_ code: CURLcode) -> TransportError {
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        if deniedConnections > 0, code == CURLE_COULDNT_CONNECT { return .egressDenied(url: url) }
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dns(host: URL(string: url)?.host ?? url, detail: detail)
        case CURLE_COULDNT_CONNECT: return .connect(url: url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT: return .timeout(url: url)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_INITFAILED:
            return .tls(url: url, detail: detail)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            return .connectionLost(url: url, detail: detail)
        default: return .other(url: url, curlCode: Int(code.rawValue), detail: detail)
        }
    }
}

private let curlWriteCallback: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    switch transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) {
    case .taken: return length
    case .abort: return 0
    case .pause: return ccurl_writefunc_pause()
    }
}

private let curlOpenSocketCallback: ccurl_opensocket_callback = { context, _, address in
    guard let context, let address else { return ccurl_socket_bad() }
    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().openSocket(address)
}

private let curlHeaderCallback: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    guard transfer.countHeader(length) else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    transfer.receiveHeader(line)
    return length
}
