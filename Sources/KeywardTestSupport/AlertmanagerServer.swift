#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A real Alertmanager (Debian `prometheus-alertmanager`) on a free 127.0.0.1 port, clustering off, with a root
/// route to a receiver that sends nowhere: alerts pushed to `/api/v2/alerts` are kept and listed by `alerts()`.
/// Stopped (bounded, then killed) by `stop()`.
public final class AlertmanagerServer: Sendable {
    public static let executable = "/usr/bin/prometheus-alertmanager"

    public let directory: TemporaryDirectory
    public let port: Int
    private let process: ChildProcess

    public init() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw ExternalTool.Failure(description: "\(Self.executable) is missing: run scripts/install-tools.sh")
        }
        let directory = try TemporaryDirectory(prefix: "keyward-alertmanager")
        let port = try SilentListener().port  // released at once: the port is free again for Alertmanager
        let configuration = try directory.write("alertmanager.yml", """
            route:
              receiver: sink
              group_wait: 0s
            receivers:
              - name: sink

            """)
        try FileManager.default.createDirectory(atPath: directory.path("data"), withIntermediateDirectories: true)
        self.directory = directory
        self.port = port
        process = try ChildProcess(Self.executable, [
            "--config.file=\(configuration)", "--storage.path=\(directory.path("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ])
        let ready = await within(30, every: .milliseconds(100)) {
            guard process.isRunning else { return true }
            return (try? await ExternalTool.run("/usr/bin/curl", ["-sf", "\(Self.base(port))/-/ready"], timeout: 10).status) == 0
        }
        guard ready, process.isRunning else {
            throw ExternalTool.Failure(description: "alertmanager did not become ready on 127.0.0.1:\(port)\n\(process.stderr)")
        }
    }

    /// `http://127.0.0.1:PORT`: what `--alertmanager-url` takes.
    public var url: String { Self.base(port) }

    private static func base(_ port: Int) -> String { "http://127.0.0.1:\(port)" }

    /// `GET /api/v2/alerts` parsed: each alert's labels, annotations, and status state (`active`, `suppressed`...).
    public func alerts() async throws -> [[String: Any]] {
        let output = try await ExternalTool.run("/usr/bin/curl", ["-sf", "\(url)/api/v2/alerts"], timeout: 30)
        guard output.status == 0, let list = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] else {
            throw ExternalTool.Failure(description: "GET /api/v2/alerts: \(output)")
        }
        return list
    }

    public var stderr: String { process.stderr }

    /// Stops Alertmanager (SIGTERM, then SIGKILL if it does not exit in time).
    public func stop() async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        if await process.exitStatus(within: 10) == nil { process.signal(SIGKILL) }
    }
}
