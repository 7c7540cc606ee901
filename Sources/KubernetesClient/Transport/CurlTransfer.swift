import CCurl
import Foundation

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

    init(id: Int, request: HTTPRequest, tls: TLSSettings, http2: Bool, completion: Completion) throws {
        guard let easy = curl_easy_init() else {
            throw TransportError.other(url: request.url.absoluteString, curlCode: -1, detail: "curl_easy_init failed")
        }
        self.id = id
        self.url = request.url.absoluteString
        self.easy = easy
        self.completion = completion
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
        ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // whatever libcurl can decode (gzip, br, zstd)
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

    fileprivate func receiveHeader(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
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
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
        }
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) {
        switch completion {
        case .buffered: body.append(contentsOf: bytes)
        case .streaming(_, let continuation): continuation.yield(Data(bytes))
        }
    }

    // MARK: Completion (curl thread)

    func finish(code: CURLcode) {
        guard !finished else { return }
        finished = true
        let error: (any Error)? = code == CURLE_OK ? nil : transportError(code)
        switch completion {
        case .buffered(let continuation):
            if let error { continuation.resume(throwing: error) }
            else { continuation.resume(returning: HTTPResponse(status: status, headers: headers, body: body)) }
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
    transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let curlHeaderCallback: ccurl_data_callback = { data, size, count, context in
    let length = size * count
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    transfer.receiveHeader(line)
    return length
}
