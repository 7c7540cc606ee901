import CCurl
import Foundation
import KeywardCore
import KeywardPKI

private let curlGlobalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

/// Reads the chain an endpoint serves with a TLS handshake and nothing else: no HTTP request is sent.
///
/// Why libcurl (`CURLOPT_CONNECT_ONLY` + `CURLOPT_CERTINFO`) and not swift-nio-ssl: the address policy has to be
/// checked on the address actually connected to, after DNS, and libcurl's open-socket callback is where the HTTP
/// transport already does that (the same ``EgressPolicy`` check, so DNS rebinding cannot get around it); and
/// libcurl hands back the chain exactly as sent, leaf first, with verification off — a probe must *read* an
/// expired, foreign or mis-named certificate, not fail on it. swift-nio-ssl would need its own resolver and policy
/// hook plus a custom verification callback to see an untrusted chain at all.
///
/// Each probe runs `curl_easy_perform` on its own short-lived thread, never on the cooperative pool, and ends within
/// ``timeout`` (connect and handshake together). No TLS session is reused: a resumed session would report the chain
/// of the earlier handshake, hiding a reload. Callers bound how many probes run at once.
public struct TLSProber: EndpointProber {
    public static let maximumTimeout: Duration = .seconds(30)
    /// Chains longer than this are refused (``ProbeFailure/TLS/chainTooLong``): real ones hold 2–4 certificates.
    public static let maximumChainLength = 10
    /// PEM text per certificate; larger is refused (``ProbeFailure/TLS/certificateTooLarge``).
    public static let maximumCertificateBytes = 64 * 1024

    /// Every address connected to must pass this; nil checks nothing (an operator's own `keyward probe`).
    public let egress: EgressPolicy?
    public let timeout: Duration

    public init(egress: EgressPolicy?, timeout: Duration = .seconds(10)) {
        _ = curlGlobalInit
        self.egress = egress
        self.timeout = min(max(timeout, .milliseconds(1)), Self.maximumTimeout)
    }

    public func probe(_ target: ProbeTarget) async -> Result<ServedChain, ProbeFailure> {
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let handshake = HandshakeSpec(target: target, egress: egress, timeoutMilliseconds: max(milliseconds, 1))
        let pems: Result<[String], ProbeFailure> = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: CurlHandshake(handshake).run()) }
            thread.name = "keyward-probe"
            thread.start()
        }
        switch pems {
        case .failure(let failure): return .failure(failure)
        case .success(let blocks):
            do {
                let certificates = try PEMBundle.certificates(from: blocks.joined(separator: "\n"))
                return .success(try ServedChain(certificates: certificates))
            } catch let failure as ProbeFailure {
                return .failure(failure)
            } catch {
                return .failure(.tls(.unreadableCertificate))
            }
        }
    }
}

/// What one handshake needs, as a value that crosses to the probe thread.
struct HandshakeSpec: Sendable {
    var target: ProbeTarget
    var egress: EgressPolicy?
    var timeoutMilliseconds: Int
}

/// One libcurl easy handle doing one handshake; lives and dies on the probe thread.
final class CurlHandshake {
    private let spec: HandshakeSpec
    /// Connections the egress policy refused.
    private var deniedConnections = 0

    init(_ spec: HandshakeSpec) { self.spec = spec }

    func run() -> Result<[String], ProbeFailure> {
        guard let easy = curl_easy_init() else { return .failure(.unreachable(.connectionFailed)) }
        defer { curl_easy_cleanup(easy) }
        let target = spec.target
        // The URL names the server name (libcurl sends it as SNI); connect-to sends the connection to the address.
        let url = "https://\(ProbeTarget.bracketed(target.serverName)):\(target.port)/"
        var connectTo: UnsafeMutablePointer<curl_slist>?
        if target.serverName != target.host {
            connectTo = curl_slist_append(nil, "\(ProbeTarget.bracketed(target.serverName)):\(target.port):"
                                          + "\(ProbeTarget.bracketed(target.host)):\(target.port)")
        }
        defer { if let connectTo { curl_slist_free_all(connectTo) } }

        ccurl_easy_setopt_string(easy, CURLOPT_URL, url)
        if let connectTo { ccurl_easy_setopt_slist(easy, CURLOPT_CONNECT_TO, connectTo) }
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "https")
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_CERTINFO, 1)
        // Read, do not judge: the caller verifies what was served.
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_SESSIONID_CACHE, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_SSL_ENABLE_ALPN, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_FORBID_REUSE, 1)
        ccurl_easy_setopt_string(easy, CURLOPT_PROXY, "")  // the policy must see the target's address, not a proxy's
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, spec.timeoutMilliseconds)
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, spec.timeoutMilliseconds)
        if spec.egress != nil {
            ccurl_easy_setopt_opensocket(easy, probeOpenSocketCallback)
            ccurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
        }
        let code = withExtendedLifetime(self) { curl_easy_perform(easy) }
        guard code == CURLE_OK else { return .failure(classify(code)) }

        var info: UnsafeMutablePointer<curl_certinfo>?
        guard ccurl_easy_getinfo_certinfo(easy, &info) == CURLE_OK, let info, info.pointee.num_of_certs > 0,
              let lists = info.pointee.certinfo
        else { return .failure(.tls(.noCertificate)) }
        let count = Int(info.pointee.num_of_certs)
        guard count <= TLSProber.maximumChainLength else { return .failure(.tls(.chainTooLong)) }
        var blocks: [String] = []
        for index in 0..<count {
            var entry = lists[index]
            var pem: String?
            while let current = entry {
                if let data = current.pointee.data, strncmp(data, "Cert:", 5) == 0 {
                    guard strnlen(data, TLSProber.maximumCertificateBytes + 6) <= TLSProber.maximumCertificateBytes + 5 else {
                        return .failure(.tls(.certificateTooLarge))
                    }
                    pem = String(cString: data + 5)
                    break
                }
                entry = current.pointee.next
            }
            guard let pem else { return .failure(.tls(.unreadableCertificate)) }
            blocks.append(pem)
        }
        return .success(blocks)
    }

    /// Opens a socket only to an address the egress policy allows.
    fileprivate func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        var raw = [UInt8](repeating: 0, count: 16)
        let length = ccurl_sockaddr_ip(address, &raw)
        guard let egress = spec.egress, let ip = IPAddress(bytes: Array(raw.prefix(length))), egress.allows(ip) else {
            deniedConnections += 1
            return ccurl_socket_bad()
        }
        return ccurl_open_socket(address)
    }

    private func classify(_ code: CURLcode) -> ProbeFailure {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST: .unreachable(.nameNotResolved)
        case CURLE_COULDNT_CONNECT: .unreachable(deniedConnections > 0 ? .egressDenied : .connectionFailed)
        case CURLE_OPERATION_TIMEDOUT: .unreachable(.timedOut)
        default: .tls(.handshakeFailed)
        }
    }
}

private let probeOpenSocketCallback: ccurl_opensocket_callback = { context, _, address in
    guard let context, let address else { return ccurl_socket_bad() }
    return Unmanaged<CurlHandshake>.fromOpaque(context).takeUnretainedValue().openSocket(address)
}
