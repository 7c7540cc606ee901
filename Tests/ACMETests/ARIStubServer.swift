import Foundation
import KeywardTestSupport

/// A loopback HTTPS stub made of a real nginx-light serving an ACME directory with `renewalInfo`, a recorded
/// renewalInfo response (with Retry-After) and a rate-limited one: Pebble 2.4 has no ARI to test against.
final class ARIStubServer: Sendable {
    static let nginx = "/usr/sbin/nginx"

    let baseURL: URL
    let certificatePath: String
    let certificatePEM: Data
    private let process: ChildProcess
    private let scratch: TemporaryDirectory

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// - Parameters:
    ///   - responses: certID → recorded renewalInfo JSON, served with `Retry-After: 21600`.
    ///   - rateLimited: certIDs answered 429 with a rateLimited problem and `Retry-After: 120`.
    init(port: Int, responses: [String: String], rateLimited: [String]) async throws {
        let scratch = try TemporaryDirectory(prefix: "keyward-ari-stub")
        let key = scratch.path("tls.key"), cert = scratch.path("tls.crt")
        let made = try await ExternalTool.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                  "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=ari.test",
                                                  "-addext", "subjectAltName=IP:127.0.0.1")
        guard made.status == 0 else { throw Failure(description: "openssl: \(made)") }
        let base = "https://127.0.0.1:\(port)"
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("www/renewal-info"),
                                                withIntermediateDirectories: true)
        try scratch.write("www/dir", #"""
            {"newNonce":"\#(base)/nonce","newAccount":"\#(base)/acct","newOrder":"\#(base)/order",
             "revokeCert":"\#(base)/revoke","keyChange":"\#(base)/key-change","renewalInfo":"\#(base)/renewal-info",
             "meta":{"profiles":{"classic":"the default","shortlived":"6 days"}}}
            """#)
        for (certID, body) in responses { try scratch.write("www/renewal-info/\(certID)", body) }
        let limited = rateLimited.map { certID in
            """
                    location = /renewal-info/\(certID) {
                        default_type application/problem+json;
                        add_header Retry-After 120 always;
                        return 429 '{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many renewalInfo requests","status":429}';
                    }
            """
        }.joined(separator: "\n")
        try scratch.write("nginx.conf", """
            daemon off;
            master_process off;
            pid \(scratch.path("nginx.pid"));
            error_log \(scratch.path("error.log"));
            events {}
            http {
                access_log off;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(cert);
                    ssl_certificate_key \(key);
                    root \(scratch.path("www"));
                    location = /dir { default_type application/json; }
                    location /renewal-info/ { default_type application/json; add_header Retry-After 21600 always; }
            \(limited)
                }
            }
            """)
        process = try ChildProcess(Self.nginx, ["-p", scratch.url.path, "-c", scratch.path("nginx.conf"), "-e", scratch.path("error.log")])
        self.scratch = scratch
        baseURL = URL(string: base)!
        certificatePath = cert
        certificatePEM = try Data(contentsOf: URL(fileURLWithPath: cert))
        let up = await within(30, every: .milliseconds(50)) {
            (try? await ExternalTool.run("/usr/bin/curl", ["-sf", "--cacert", cert, "\(base)/dir"], timeout: 10).status) == 0
        }
        guard up else { throw Failure(description: "nginx did not come up: \(process.stderr)") }
    }

    /// SIGTERM, then SIGKILL: nginx without a master process was seen ignoring SIGTERM.
    func stop() async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        if await process.exitStatus(within: 3) == nil {
            process.signal(SIGKILL)
            _ = await process.exitStatus(within: 5)
        }
    }
}
