#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A real BIND 9 (`named` from Debian's bind9) in the foreground, authoritative for one zone on a free 127.0.0.1
/// port (UDP and TCP), accepting RFC 2136 updates of TXT records signed with its TSIG key
/// (`update-policy { grant KEY zonesub TXT; }`). The zone has explicit A records (127.0.0.1) for the apex, `ns1`
/// and every name in `hosts`: a `*` record would stop answering `www` once `_acme-challenge.www` exists (RFC 4592
/// empty non-terminal). Pebble can use it as `-dnsserver` (``address``). Stopped (bounded, then killed) by ``stop()``
/// or when released.
public final class BindServer: Sendable {
    public static let executable = "/usr/sbin/named"
    public static let dig = "/usr/bin/dig"

    public let zone: String
    public let port: Int
    public let keyName: String
    /// The TSIG secret, base64 (what a Secret's value holds).
    public let keySecret: String
    /// `hmac-sha256`, `hmac-sha512` or `hmac-sha1`.
    public let algorithm: String
    public let directory: TemporaryDirectory
    private let process: ChildProcess

    /// Starts named and waits (bounded) until it answers the zone's SOA over UDP and accepts TCP.
    /// - Parameters:
    ///   - zone: the zone's name without the final dot.
    ///   - hosts: names (relative to the zone) that get an A record 127.0.0.1.
    ///   - records: extra zone file lines.
    public init(zone: String = "example.test", hosts: [String] = ["www", "api"], records: [String] = [],
                keyName: String = "keyward-test-key", algorithm: String = "hmac-sha256") async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw ExternalTool.Failure(description: "\(Self.executable) is missing: run scripts/install-tools.sh")
        }
        let directory = try TemporaryDirectory(prefix: "keyward-bind")
        var secret = [UInt8](repeating: 0, count: 32)
        for index in secret.indices { secret[index] = UInt8.random(in: 0 ... 255) }
        let keySecret = Data(secret).base64EncodedString()
        let zoneFile = try directory.write("\(zone).zone", ([
            "$TTL 60",
            "@ IN SOA ns1.\(zone). hostmaster.\(zone). 1 60 60 600 60",
            "@ IN NS ns1.\(zone).",
            "@ IN A 127.0.0.1",
            "ns1 IN A 127.0.0.1",
        ] + hosts.map { "\($0) IN A 127.0.0.1" } + records).joined(separator: "\n") + "\n")
        // A port free for TCP right now; named binds UDP and TCP on it. Another process can take it in between,
        // so a start that cannot listen is retried on a new port (bounded).
        var started: (port: Int, process: ChildProcess)?
        var lastOutput = ""
        for _ in 0..<5 {
            let port = try SilentListener().port
            let configuration = try directory.write("named.conf", """
                key "\(keyName)" { algorithm \(algorithm); secret "\(keySecret)"; };
                options {
                    directory "\(directory.url.path)";
                    listen-on port \(port) { 127.0.0.1; };
                    listen-on-v6 { none; };
                    pid-file "\(directory.path("named.pid"))";
                    session-keyfile "\(directory.path("session.key"))";
                    managed-keys-directory "\(directory.url.path)";
                    recursion no;
                    dnssec-validation no;
                    notify no;
                };
                controls { };
                zone "\(zone)" {
                    type primary;
                    file "\(zoneFile)";
                    update-policy { grant \(keyName) zonesub TXT; };
                };

                """)
            let process = try ChildProcess(Self.executable, ["-g", "-4", "-u", "root", "-c", configuration])
            let ready = await within(30, every: .milliseconds(50)) {
                !process.isRunning || process.stderr.contains(" running\n")
            }
            let output = process.stderr
            if ready, process.isRunning, !output.contains("address in use"), !output.contains("could not listen"),
                NginxServer.accepts(port: port) {
                started = (port, process)
                break
            }
            lastOutput = output
            process.signal(SIGKILL)
            _ = await process.exitStatus(within: 10)
        }
        guard let started else {
            throw ExternalTool.Failure(description: "named did not start on 127.0.0.1\n\(lastOutput)")
        }
        self.zone = zone
        self.port = started.port
        self.keyName = keyName
        self.keySecret = keySecret
        self.algorithm = algorithm
        self.directory = directory
        self.process = started.process
        let soa = try await dig(["SOA", zone, "+short"])
        guard soa.status == 0, soa.stdout.contains("ns1.\(zone).") else {
            await stop()
            throw ExternalTool.Failure(description: "named does not answer the SOA of \(zone): \(soa)\n\(log)")
        }
    }

    /// `127.0.0.1:PORT`: the nameserver for RFC 2136 updates, queries and Pebble's `-dnsserver`.
    public var address: String { "127.0.0.1:\(port)" }
    public var isRunning: Bool { process.isRunning }
    /// named's log (it logs to stderr with `-g`).
    public var log: String { process.stderr }

    /// Runs the real `dig @127.0.0.1 -p PORT` with `arguments` (e.g. `["TXT", name, "+short"]`).
    public func dig(_ arguments: [String]) async throws -> ExternalTool.Output {
        try await ExternalTool.run(Self.dig, ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=2"] + arguments, timeout: 30)
    }

    /// The TXT values `dig +short` reports at `name` (quotes removed, strings of one record joined).
    public func txtValues(_ name: String) async throws -> [String] {
        let output = try await dig(["TXT", name, "+short"])
        guard output.status == 0 else { throw ExternalTool.Failure(description: "dig TXT \(name): \(output)") }
        return output.stdout.split(separator: "\n").map { line in
            line.split(separator: "\"", omittingEmptySubsequences: true).filter { $0.trimmingCharacters(in: .whitespaces) != "" }
                .joined()
        }.sorted()
    }

    /// Stops named (SIGTERM, then SIGKILL if it does not exit in time).
    public func stop() async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        if await process.exitStatus(within: 15) == nil { process.signal(SIGKILL) }
    }
}
