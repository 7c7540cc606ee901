import Foundation

/// A real Pebble (Let's Encrypt's RFC 8555 test CA, Debian's `pebble` 2.4) on free loopback ports, with its own
/// `pebble-challtestsrv` as the DNS server it validates through (every A query answers 127.0.0.1 and AAAA queries
/// nothing, so Pebble validates HTTP-01 for any name at `127.0.0.1:httpPort`). Pebble's own defaults stay on: 5% of nonces rejected and
/// authorizations reused half the time, which exercises the client's retry paths. `PEBBLE_VA_NOSLEEP=1` so
/// validation does not sleep. Stopped by ``stop()`` or when released.
///
/// Shared by the ACME client, signer, HTTP-01 and DNS-01 suites.
public final class PebbleServer: Sendable {
    public struct Options: Sendable {
        /// Pebble's `httpPort`: where it connects for HTTP-01 (`nil`: a free port the test then listens on).
        public var httpPort: Int?
        /// Pebble's `tlsPort` for TLS-ALPN-01 (`nil`: a free port).
        public var tlsPort: Int?
        /// `externalAccountBindingRequired`, with the keys it accepts: key ID → base64url HMAC key.
        public var externalAccountBindingRequired: Bool
        public var externalAccountMACKeys: [String: String]
        /// `host:port` of the DNS server Pebble resolves through (e.g. a BindServer); `nil` starts a
        /// pebble-challtestsrv answering every A query with 127.0.0.1.
        public var dnsServer: String?
        /// `PEBBLE_ALTERNATE_ROOTS`: alternate chains offered with every certificate (`Link: rel="alternate"`).
        public var alternateRoots: Int
        /// `PEBBLE_WFE_NONCEREJECT` (percent); `nil` keeps Pebble's default of 5.
        public var nonceRejectPercent: Int?
        /// `PEBBLE_AUTHZREUSE` (percent); `nil` keeps Pebble's default of 50.
        public var authorizationReusePercent: Int?

        public init(httpPort: Int? = nil, tlsPort: Int? = nil, externalAccountBindingRequired: Bool = false,
                    externalAccountMACKeys: [String: String] = [:], dnsServer: String? = nil, alternateRoots: Int = 0,
                    nonceRejectPercent: Int? = nil, authorizationReusePercent: Int? = nil) {
            self.httpPort = httpPort
            self.tlsPort = tlsPort
            self.externalAccountBindingRequired = externalAccountBindingRequired
            self.externalAccountMACKeys = externalAccountMACKeys
            self.dnsServer = dnsServer
            self.alternateRoots = alternateRoots
            self.nonceRejectPercent = nonceRejectPercent
            self.authorizationReusePercent = authorizationReusePercent
        }
    }

    public static let pebbleExecutable = "/usr/bin/pebble"
    public static let challengeServerExecutable = "/usr/bin/pebble-challtestsrv"

    /// `https://127.0.0.1:D/dir`.
    public let directoryURL: URL
    /// `https://127.0.0.1:M`: `/roots/0`, `/intermediates/0`, `/cert-status-by-serial/<hex>`.
    public let managementURL: URL
    /// Where Pebble connects to validate HTTP-01 (for any name: the DNS answers 127.0.0.1).
    public let httpPort: Int
    public let tlsPort: Int
    /// The DNS server Pebble uses (`host:port`).
    public let dnsServer: String
    /// pebble-challtestsrv's management API (`http://127.0.0.1:X`), nil when ``Options/dnsServer`` was given.
    public let challengeServerManagementURL: URL?
    /// The certificate of Pebble's own TLS listener (self-signed for 127.0.0.1): trust it to talk to Pebble.
    public let tlsCertificatePEM: Data
    /// Its path on disk (for curl/openssl).
    public let tlsCertificatePath: String

    private let pebble: ChildProcess
    private let challengeServer: ChildProcess?
    private let scratch: TemporaryDirectory

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private init(directoryURL: URL, managementURL: URL, httpPort: Int, tlsPort: Int, dnsServer: String,
                 challengeServerManagementURL: URL?, tlsCertificatePEM: Data, tlsCertificatePath: String,
                 pebble: ChildProcess, challengeServer: ChildProcess?, scratch: TemporaryDirectory) {
        self.directoryURL = directoryURL
        self.managementURL = managementURL
        self.httpPort = httpPort
        self.tlsPort = tlsPort
        self.dnsServer = dnsServer
        self.challengeServerManagementURL = challengeServerManagementURL
        self.tlsCertificatePEM = tlsCertificatePEM
        self.tlsCertificatePath = tlsCertificatePath
        self.pebble = pebble
        self.challengeServer = challengeServer
        self.scratch = scratch
    }

    /// Generates the TLS pair, starts pebble-challtestsrv (unless a DNS server is given) and Pebble, and returns
    /// once the directory answers (bounded wait; a missing tool or a Pebble that never comes up throws).
    public static func start(_ options: Options = Options()) async throws -> PebbleServer {
        for tool in [pebbleExecutable] + (options.dnsServer == nil ? [challengeServerExecutable] : [])
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Failure(description: "\(tool) is missing: run scripts/install-tools.sh (apt package pebble)")
        }
        let scratch = try TemporaryDirectory(prefix: "keyward-pebble")
        let keyPath = scratch.path("tls.key"), certPath = scratch.path("tls.crt")
        let generated = try await ExternalTool.run(ExternalTool.openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPath,
            "-out", certPath, "-days", "2", "-subj", "/CN=pebble.test",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        guard generated.status == 0 else { throw Failure(description: "openssl could not make Pebble's TLS pair: \(generated)") }

        var challengeServer: ChildProcess?
        var challengeManagement: URL?
        let dnsServer: String
        if let given = options.dnsServer {
            dnsServer = given
        } else {
            let dnsPort = try freePort(), managementPort = try freePort()
            dnsServer = "127.0.0.1:\(dnsPort)"
            let server = try ChildProcess(challengeServerExecutable, [
                "-dns01", dnsServer, "-http01", "", "-https01", "", "-tlsalpn01", "",
                // A records only: with its default AAAA answer (::1) Pebble dials [::1] first, where tests listen on
                // 127.0.0.1.
                "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-management", "127.0.0.1:\(managementPort)",
            ])
            guard await server.waitForOutput("Starting management server", within: 30) else {
                throw Failure(description: "pebble-challtestsrv did not start:\n\(server.stderr)\(server.stdout)")
            }
            challengeServer = server
            challengeManagement = URL(string: "http://127.0.0.1:\(managementPort)")!
        }

        let httpPort = try options.httpPort ?? freePort(), tlsPort = try options.tlsPort ?? freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["PEBBLE_VA_NOSLEEP"] = "1"
        environment["PEBBLE_ALTERNATE_ROOTS"] = String(options.alternateRoots)
        if let percent = options.nonceRejectPercent { environment["PEBBLE_WFE_NONCEREJECT"] = String(percent) }
        if let percent = options.authorizationReusePercent { environment["PEBBLE_AUTHZREUSE"] = String(percent) }
        // Pebble logs "ACME directory available" just before it listens, and a port found free a moment earlier can
        // be taken by a server of another test by then (Pebble exits). Wait for the listeners themselves, and start
        // again on other ports if they never come.
        for attempt in 1...3 {
            let listenPort = try freePort(), managementPort = try freePort()
            var pebbleConfig: [String: Any] = [
                "listenAddress": "127.0.0.1:\(listenPort)",
                "managementListenAddress": "127.0.0.1:\(managementPort)",
                "certificate": certPath, "privateKey": keyPath,
                "httpPort": httpPort, "tlsPort": tlsPort, "ocspResponderURL": "",
                "externalAccountBindingRequired": options.externalAccountBindingRequired,
            ]
            if !options.externalAccountMACKeys.isEmpty { pebbleConfig["externalAccountMACKeys"] = options.externalAccountMACKeys }
            let configData = try JSONSerialization.data(withJSONObject: ["pebble": pebbleConfig], options: [.sortedKeys])
            try scratch.write("pebble.json", bytes: Array(configData))
            let pebble = try ChildProcess(pebbleExecutable, ["-config", scratch.path("pebble.json"), "-dnsserver", dnsServer],
                                          environment: environment, currentDirectory: scratch.url.path)
            var listening = false
            if await pebble.waitForOutput("ACME directory available at", within: 60) {
                listening = await within(15, every: .milliseconds(50)) {
                    NginxServer.accepts(port: listenPort) && NginxServer.accepts(port: managementPort)
                }
                // Someone else's listener on a stolen port answers too: Pebble must not exit right after it.
                if listening { listening = await pebble.exitStatus(within: 0.2) == nil }
            }
            guard listening else {
                pebble.signal(SIGKILL)
                _ = await pebble.exitStatus(within: 10)
                if attempt < 3, pebble.stdout.contains("address already in use") || pebble.stderr.contains("address already in use") {
                    continue
                }
                throw Failure(description: "Pebble did not start:\n\(pebble.stdout)\(pebble.stderr)")
            }
            return PebbleServer(
                directoryURL: URL(string: "https://127.0.0.1:\(listenPort)/dir")!,
                managementURL: URL(string: "https://127.0.0.1:\(managementPort)")!,
                httpPort: httpPort, tlsPort: tlsPort, dnsServer: dnsServer,
                challengeServerManagementURL: challengeManagement,
                tlsCertificatePEM: try Data(contentsOf: URL(fileURLWithPath: certPath)), tlsCertificatePath: certPath,
                pebble: pebble, challengeServer: challengeServer, scratch: scratch)
        }
        throw Failure(description: "Pebble did not start on three sets of free ports")
    }

    /// Pebble's log so far (it logs to stdout).
    public var log: String { pebble.stdout + pebble.stderr }

    /// Orders Pebble created since it started ("Added order … to the db" in its log).
    public var ordersCreated: Int { log.components(separatedBy: "Added order ").count - 1 }

    public var isRunning: Bool { pebble.isRunning }

    /// GET on the management interface (`/roots/0`, `/intermediates/0`, `/cert-status-by-serial/<hex>`), through
    /// the curl command with Pebble's TLS certificate trusted.
    public func management(_ path: String) async throws -> String {
        let output = try await ExternalTool.run("/usr/bin/curl", [
            "-sS", "--fail-with-body", "--max-time", "30", "--cacert", tlsCertificatePath,
            managementURL.absoluteString + path,
        ], timeout: 60)
        guard output.status == 0 else { throw Failure(description: "GET \(path) on Pebble's management API: \(output)") }
        return output.stdout
    }

    /// The PEM root of the issuance chain (`/roots/0`; alternates at `/roots/1`…).
    public func rootPEM(_ index: Int = 0) async throws -> String { try await management("/roots/\(index)") }

    public func intermediatePEM(_ index: Int = 0) async throws -> String { try await management("/intermediates/\(index)") }

    /// `/cert-status-by-serial/<hex>`: JSON with `Status` ("Valid" / "Revoked") and the certificate.
    public func certificateStatus(serialHex: String) async throws -> String {
        try await management("/cert-status-by-serial/\(serialHex.lowercased())")
    }

    /// Stops Pebble and pebble-challtestsrv: SIGTERM, then SIGKILL after 5 s. Safe to call twice.
    public func stop() async {
        for process in [pebble] + (challengeServer.map { [$0] } ?? []) where process.isRunning {
            process.signal(SIGTERM)
            if await process.exitStatus(within: 5) == nil {
                process.signal(SIGKILL)
                _ = await process.exitStatus(within: 5)
            }
        }
    }

    /// Starts a Pebble, runs `body` with it and stops it whether `body` returns or throws. Prefer this to a
    /// `defer { Task { await stop() } }`, which may never run before the test process exits (leaving Pebble and
    /// pebble-challtestsrv behind).
    public static func with<T>(_ options: Options = Options(), _ body: (PebbleServer) async throws -> T) async throws -> T {
        let server = try await start(options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A port free on 127.0.0.1 right now (bound, then released for a child server to take).
    public static func freePort() throws -> Int {
        let (descriptor, port) = try SilentListener.bindLoopback()
        close(descriptor)
        return port
    }
}
