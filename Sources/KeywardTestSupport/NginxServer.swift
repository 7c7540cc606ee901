#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A real nginx (Debian `nginx-light`) in the foreground with its own prefix directory, pid file and error log,
/// serving TLS on a free 127.0.0.1 port from the certificate and key files it is given. `reload()` is what a
/// `keyward sync` reload action does to it. Stopped when released (SIGTERM, bounded wait; then ChildProcess kills).
public final class NginxServer: Sendable {
    public static let executable = "/usr/sbin/nginx"

    public let prefix: TemporaryDirectory
    public let port: Int
    public let pidFile: String
    public let errorLogPath: String
    public let configurationPath: String
    private let process: ChildProcess

    /// Starts nginx and waits (bounded) until it accepts connections.
    /// - Parameters:
    ///   - certificateFile, keyFile: read at start and at every reload (`ssl_certificate`, `ssl_certificate_key`).
    ///   - serverName: the `server_name`; nginx serves this one server for every SNI name.
    ///   - pidFile: where nginx writes its pid (default: in its prefix directory), for a reload by signal.
    public init(certificateFile: String, keyFile: String, serverName: String = "_", pidFile: String? = nil) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw ExternalTool.Failure(description: "\(Self.executable) is missing: run scripts/install-tools.sh")
        }
        let prefix = try TemporaryDirectory(prefix: "keyward-nginx")
        let temp = prefix.path("tmp")
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        self.pidFile = pidFile ?? prefix.path("nginx.pid")
        errorLogPath = prefix.path("error.log")
        configurationPath = prefix.path("nginx.conf")
        self.prefix = prefix
        // The port is found free and released before nginx binds it; in a busy test run something else (another
        // server, a client's ephemeral port) can take it in between. nginx then exits at once: try another port.
        var attempt = 0
        while true {
            attempt += 1
            let port = try SilentListener().port
            _ = try prefix.write("nginx.conf", Self.configuration(port: port, pidFile: self.pidFile, errorLog: errorLogPath,
                                                               temp: temp, serverName: serverName,
                                                               certificateFile: certificateFile, keyFile: keyFile))
            let process = try ChildProcess(Self.executable, ["-p", prefix.url.path, "-c", configurationPath, "-e", errorLogPath])
            let listening = await within(30, every: .milliseconds(50)) { Self.accepts(port: port) || !process.isRunning }
            if listening, process.isRunning {
                self.port = port
                self.process = process
                return
            }
            let log = (try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? ""
            if attempt < 3, !process.isRunning, log.contains("Address already in use") { continue }
            if process.isRunning { process.signal(SIGKILL) }
            throw ExternalTool.Failure(description: "nginx did not start listening on 127.0.0.1:\(port)\n\(log)\n\(process.stderr)")
        }
    }

    static func configuration(port: Int, pidFile: String, errorLog: String, temp: String, serverName: String,
                              certificateFile: String, keyFile: String) -> String {
        """
        daemon off;
        worker_processes 1;
        pid \(pidFile);
        error_log \(errorLog) notice;
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
                server_name \(serverName);
                ssl_certificate \(certificateFile);
                ssl_certificate_key \(keyFile);
                location / { return 200 "ok\\n"; }
            }
        }

        """
    }

    /// `127.0.0.1:PORT`.
    public var address: String { "127.0.0.1:\(port)" }
    public var isRunning: Bool { process.isRunning }
    public var errorLog: String { (try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "" }

    /// `nginx -s reload`: the master re-reads the configuration and the certificate files; it keeps the old ones
    /// (logging `[emerg]`) when the new files do not load. Returns once the signal is sent: callers wait for its
    /// effect (the served certificate) with a bound.
    public func reload() async throws {
        let output = try await ExternalTool.run(Self.executable, ["-p", prefix.url.path, "-c", configurationPath, "-e", errorLogPath,
                                                                  "-s", "reload"], timeout: 30)
        guard output.status == 0 else { throw ExternalTool.Failure(description: "nginx -s reload: \(output)") }
    }

    /// Stops nginx (SIGQUIT, then SIGKILL if it does not exit in time).
    public func stop() async {
        guard process.isRunning else { return }
        process.signal(SIGQUIT)
        if await process.exitStatus(within: 10) == nil { process.signal(SIGKILL) }
    }

    /// SIGTERM and a bounded wait, so nginx's workers go with it (a SIGKILLed master leaves them running).
    deinit {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    static func accepts(port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
