import Foundation
import KeywardTestSupport
import Testing

/// The podman pattern of the seed: `keyward run --once` with an Issuer of kind acme pointing at a real Pebble gets a
/// certificate through `http01.webroot`, served by a real nginx-light on Pebble's HTTP-01 port; the run waits for
/// the order instead of exiting with it pending, the chain verifies against Pebble's root, and the token file is gone.
@Suite("Standalone ACME: run --once through http01.webroot and nginx-light")
struct StandaloneACMEWebrootTests {
    /// nginx-light serving `root` over plain HTTP on 127.0.0.1:`port` (the webroot an existing web server serves).
    final class WebrootNginx: Sendable {
        let process: ChildProcess
        let prefix: TemporaryDirectory

        init(root: String, port: Int) async throws {
            guard FileManager.default.isExecutableFile(atPath: NginxServer.executable) else {
                throw ExternalTool.Failure(description: "\(NginxServer.executable) is missing: run scripts/install-tools.sh")
            }
            let prefix = try TemporaryDirectory(prefix: "keyward-webroot-nginx")
            let temp = prefix.path("tmp")
            try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
            let configuration = try prefix.write("nginx.conf", """
                daemon off;
                worker_processes 1;
                pid \(prefix.path("nginx.pid"));
                error_log \(prefix.path("error.log")) notice;
                events { worker_connections 64; }
                http {
                    access_log \(prefix.path("access.log"));
                    client_body_temp_path \(temp)/body;
                    proxy_temp_path \(temp)/proxy;
                    fastcgi_temp_path \(temp)/fastcgi;
                    uwsgi_temp_path \(temp)/uwsgi;
                    scgi_temp_path \(temp)/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        server_name _;
                        root \(root);
                        location / { try_files $uri =404; }
                    }
                }

                """)
            process = try ChildProcess(NginxServer.executable, ["-p", prefix.url.path, "-c", configuration, "-e", prefix.path("error.log")])
            self.prefix = prefix
            let up = await within(30, every: .milliseconds(50)) {
                (try? String(contentsOfFile: prefix.path("nginx.pid"), encoding: .utf8)) != nil || !self.process.isRunning
            }
            guard up, process.isRunning else {
                throw ExternalTool.Failure(description: "nginx did not start on 127.0.0.1:\(port): \(process.stderr)")
            }
        }

        var accessLog: String { (try? String(contentsOfFile: prefix.path("access.log"), encoding: .utf8)) ?? "" }

        func stop() async {
            guard process.isRunning else { return }
            process.signal(SIGQUIT)
            if await process.exitStatus(within: 10) == nil { process.signal(SIGKILL) }
        }
    }

    @Test("run --once waits for the order and writes a chain that verifies against Pebble's root")
    func webrootThroughNginx() async throws {
        let pebble = try await PebbleServer.start()
        let directory = try TemporaryDirectory(prefix: "keyward-acme-webroot")
        let webroot = directory.path("www")
        try FileManager.default.createDirectory(atPath: webroot, withIntermediateDirectories: true)
        let nginx = try await WebrootNginx(root: webroot, port: pebble.httpPort)
        defer { Task { await nginx.stop() } }

        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        _ = try directory.write("manifests/acme.yaml", """
            \(pebble.issuerManifest(solvers: ["- http01:", "    webroot: \(webroot)"]))
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata:
              name: web
              namespace: default
            spec:
              secretName: web-tls
              dnsNames: [www.example.test, example.test]
              issuer:
                issuerRef: {kind: Issuer, name: pebble}
              files:
                subPath: web

            """)

        // Pebble resolves every name to 127.0.0.1 through pebble-challtestsrv; this machine's resolver knows neither
        // name, so the self-check connects to the same place the CA does.
        let out = directory.path("out")
        let run = try ChildProcess(try keywardExecutable(), [
            "run", "--once", "--manifests", manifests, "--state", directory.path("state"), "--out", out,
            "--egress-allow-cidr", "127.0.0.0/8", "--pending-timeout", "120",
            "--acme-http01-self-check-port", String(pebble.httpPort),
            "--acme-http01-self-check-connect-to", ":\(pebble.httpPort):127.0.0.1:\(pebble.httpPort)",
        ])
        let status = await run.exitStatus(within: 240)
        #expect(status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)\npebble:\n\(pebble.log.suffix(4000))")

        let leaf = "\(out)/web/cert.pem", chain = "\(out)/web/chain.pem"
        #expect(FileManager.default.fileExists(atPath: leaf), "\(run.stdout)")
        #expect(run.stdout.contains("Issued"), "\(run.stdout)")
        let root = try directory.write("pebble-root.pem", try await pebble.rootPEM())
        let verified = try await ExternalTool.openssl("verify", "-CAfile", root, "-untrusted", chain, leaf)
        #expect(verified.status == 0 && verified.stdout.contains(": OK"), "\(verified)")
        let names = try await ExternalTool.openssl("x509", "-in", leaf, "-noout", "-ext", "subjectAltName")
        #expect(names.stdout.contains("DNS:www.example.test") && names.stdout.contains("DNS:example.test"), "\(names)")

        // Pebble fetched the tokens from nginx; the files are gone afterwards.
        #expect(nginx.accessLog.contains("/.well-known/acme-challenge/"), "nginx served no challenge:\n\(nginx.accessLog)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(webroot)/.well-known/acme-challenge")) ?? []
        #expect(left.isEmpty, "token files left behind: \(left)")
        #expect(pebble.ordersCreated == 1, "one order for one request")
        await nginx.stop()
    }
}
