import Foundation
import KeywardTestSupport

/// Pebble's own directory served again by a real nginx (loopback HTTPS) with a `renewalInfo` resource added, whose
/// answers the test writes as files (`renewal-info/<certID>`): Pebble 2.4 has no ARI, so orders, accounts and
/// revocation stay Pebble's while the renewal window is a recorded response.
final class ACMEDirectoryWithARI: Sendable {
    let directoryURL: URL
    /// The stub's TLS certificate (self-signed for 127.0.0.1): trust it with Pebble's.
    let certificatePEM: String
    private let scratch: TemporaryDirectory
    private let process: ChildProcess

    init(pebble: PebbleServer) async throws {
        let scratch = try TemporaryDirectory(prefix: "keyward-ari-directory")
        let key = scratch.path("tls.key"), cert = scratch.path("tls.crt")
        let made = try await ExternalTool.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                  "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=ari.test",
                                                  "-addext", "subjectAltName=IP:127.0.0.1")
        guard made.status == 0 else { throw ExternalTool.Failure(description: "openssl: \(made)") }
        let port = try SilentListener().port  // released at once for nginx
        let base = "https://127.0.0.1:\(port)"
        // Pebble's directory, plus renewalInfo here.
        let fetched = try await ExternalTool.run("/usr/bin/curl", ["-sSf", "--cacert", pebble.tlsCertificatePath,
                                                                  pebble.directoryURL.absoluteString], timeout: 30)
        guard fetched.status == 0, var directory = try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any] else {
            throw ExternalTool.Failure(description: "Pebble's directory: \(fetched)")
        }
        directory["renewalInfo"] = "\(base)/renewal-info"
        try FileManager.default.createDirectory(atPath: scratch.path("www/renewal-info"), withIntermediateDirectories: true)
        _ = try scratch.write("www/dir", String(decoding: try JSONSerialization.data(withJSONObject: directory), as: UTF8.self))
        let temp = scratch.path("tmp")
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        let configuration = try scratch.write("nginx.conf", """
            daemon off;
            worker_processes 1;
            pid \(scratch.path("nginx.pid"));
            error_log \(scratch.path("error.log"));
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(cert);
                    ssl_certificate_key \(key);
                    root \(scratch.path("www"));
                    location = /dir { default_type application/json; }
                    location /renewal-info/ { default_type application/json; add_header Retry-After 21600 always; }
                }
            }

            """)
        process = try ChildProcess("/usr/sbin/nginx", ["-p", scratch.url.path, "-c", configuration, "-e", scratch.path("error.log")])
        self.scratch = scratch
        directoryURL = URL(string: "\(base)/dir")!
        certificatePEM = try String(contentsOfFile: cert, encoding: .utf8)
        let up = await within(30, every: .milliseconds(50)) {
            (try? await ExternalTool.run("/usr/bin/curl", ["-sf", "--cacert", cert, "\(base)/dir"], timeout: 10).status) == 0
        }
        guard up else {
            await stop()
            throw ExternalTool.Failure(description: "nginx did not come up: \(process.stderr)")
        }
    }

    /// Records the CA's suggested window for the certificate `certID` names.
    func suggest(certID: String, start: Date, end: Date) throws {
        let formatter = ISO8601DateFormatter()
        _ = try scratch.write("www/renewal-info/\(certID)",
                              #"{"suggestedWindow":{"start":"\#(formatter.string(from: start))","end":"\#(formatter.string(from: end))"}}"#)
    }

    func stop() async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        _ = await process.exitStatus(within: 10)
    }
}
