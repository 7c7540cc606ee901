#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeywardTestSupport
import KeywardPKI
import SecretSync
import Testing

/// A real nginx (Debian `nginx-light`) serving files kept by the syncer: the issue's end-to-end "Done when".
@Suite("nginx serves synced certificates")
struct NginxReloadTests {
    static let nginx = "/usr/sbin/nginx"
    static let curl = "/usr/bin/curl"
    static let host = "app.example.test"

    @Test func renewalIsServedAfterReloadAndGarbageNeverReplacesTheOldCertificate() async throws {
        try Tool.require(Self.nginx)
        try Tool.require(Self.curl)
        let root = try TemporaryDirectory()
        let certs = root.file("certs")
        // nginx writes its pid here once started; the syncer reads it only when it reloads.
        let pidFile = root.file("nginx.pid")
        let syncer = SecretSyncer(
            source: ScriptedSource(),
            options: .init(directory: certs, layout: .certificateFiles,
                           reload: .signal(SIGHUP, pidFile: pidFile)))
        // curl's trust anchor comes from outside the synced directory, so garbage there cannot weaken the check.
        try PKI.root.caPEM.write(toFile: root.file("ca.pem"), atomically: true, encoding: .utf8)

        // The first certificate exists before nginx starts (what wait-for-certs guarantees).
        let first = PKI.secretData(name: Self.host)
        guard case .updated = await syncer.apply(.present(SecretSnapshot(data: first.data))) else {
            Issue.record("initial write failed")
            return
        }
        let server = try await NginxServer(certificateFile: certs + "/fullchain.pem", keyFile: certs + "/privkey.pem",
                                           serverName: Self.host, pidFile: pidFile)
        try await eventually("nginx to serve serial \(first.serial)") {
            try await servedSerial(port: server.port, caFile: root.file("ca.pem")) == first.serial
        }

        // Renewal: new files, then SIGHUP through the pid file; nginx must serve the new serial.
        let renewed = PKI.secretData(name: Self.host)
        let outcome = await syncer.apply(.present(SecretSnapshot(data: renewed.data)))
        guard case .updated(_, .succeeded?) = outcome else {
            Issue.record("renewal must write and reload, got \(outcome)\n\(server.errorLog)")
            return
        }
        try await eventually("nginx to serve the renewed serial \(renewed.serial)") {
            try await servedSerial(port: server.port, caFile: root.file("ca.pem")) == renewed.serial
        }

        // Garbage: the files are replaced and nginx is told to reload; it must refuse the new files and keep
        // serving the renewed certificate. nginx logs the failed reload, which tells us it has processed the signal.
        let failuresBefore = Self.failedReloads(server.errorLog)
        let garbage: [String: Data] = ["tls.crt": Data("garbage\n".utf8), "tls.key": Data("more garbage\n".utf8)]
        guard case .updated(_, .succeeded?) = await syncer.apply(.present(SecretSnapshot(data: garbage))) else {
            Issue.record("garbage write should still be written and signalled")
            return
        }
        try await eventually("nginx to reject the garbage on reload") { Self.failedReloads(server.errorLog) > failuresBefore }
        #expect(server.isRunning, "nginx must survive a reload with broken files\n\(server.errorLog)")
        #expect(try await servedSerial(port: server.port, caFile: root.file("ca.pem")) == renewed.serial)

        // Fixed files afterwards are picked up again.
        let third = PKI.secretData(name: Self.host)
        guard case .updated(_, .succeeded?) = await syncer.apply(.present(SecretSnapshot(data: third.data))) else {
            Issue.record("third write failed")
            return
        }
        try await eventually("nginx to serve serial \(third.serial)") {
            try await servedSerial(port: server.port, caFile: root.file("ca.pem")) == third.serial
        }
    }

    /// The serial `curl --cacert` sees (lowercase hex, no leading zeros), or nil while the handshake fails.
    func servedSerial(port: Int, caFile: String) async throws -> String? {
        let output = try await Tool.run(Self.curl, [
            "--silent", "--show-error", "--max-time", "10", "--cacert", caFile,
            "--resolve", "\(Self.host):\(port):127.0.0.1", "--output", "/dev/null", "--write-out", "%{certs}",
            "https://\(Self.host):\(port)/",
        ])
        guard output.status == 0 else { return nil }
        // %{certs} lists the served chain leaf first; its first "Serial Number:" line is the leaf's.
        guard let line = output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Serial Number:") }) else {
            return nil
        }
        let hex = line.dropFirst("Serial Number:".count).replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        return Self.normalized(hex)
    }

    /// Reloads nginx refused: each logs the certificate it could not load.
    static func failedReloads(_ errorLog: String) -> Int {
        errorLog.split(separator: "\n").filter { $0.contains("[emerg]") && $0.contains("cannot load certificate") }.count
    }

    static func normalized(_ hex: String) -> String {
        let trimmed = hex.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
