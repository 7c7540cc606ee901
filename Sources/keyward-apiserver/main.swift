import ArgumentParser
import Foundation
import KeywardCore
import KubeAPIServer

/// `keyward-apiserver`: the test API server as a process, for kubectl sessions and scripts.
///
/// Serves until SIGTERM or SIGINT (and exits within --graceful-shutdown-timeout of one, whatever it is doing); a
/// failure to start is one line on stderr naming the cause and the flag, and exit status 1. Fault injection and the request log are reachable over HTTPS at `/_keyward/*`
/// for the admin token (see `APIRequestHandler+Admin.swift`).
@main
struct KeywardAPIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyward-apiserver",
        abstract: "A Kubernetes API server for tests and development (HTTPS on loopback, CRDs, watches).",
        discussion: """
            Generates a CA and serving certificate at every start, installs the CRDs found in --crds directories and \
            writes a kubeconfig for kubectl. Stop it with SIGTERM or Ctrl-C.

              keyward-apiserver --port 0 --crds crds --kubeconfig /tmp/keyward.kubeconfig
              KUBECONFIG=/tmp/keyward.kubeconfig kubectl get crds
            """)

    @Option(name: .long, help: "Address to listen on, HOST:PORT (loopback only). Overrides --port.")
    var listen: String?

    @Option(name: .long, help: "Port on 127.0.0.1; 0 picks a free one (printed, and written to the kubeconfig).")
    var port: Int = 6443

    @Option(name: .long, help: "A directory of CustomResourceDefinition YAML files to install at start (repeatable).")
    var crds: [String] = []

    @Option(name: [.customLong("kubeconfig"), .customLong("kubeconfig-out")],
            help: "Write a kubeconfig for the admin token here (mode 0600).")
    var kubeconfig: String?

    @Option(name: .long, help: "Accept this bearer token, TOKEN or TOKEN=USER (repeatable). Default: a random admin token.")
    var token: [String] = []

    @Option(name: .long, help: "Simulated apps/v1 rollouts: off, never, or a delay such as 2s or 500ms.")
    var rollout: String = "off"

    @Option(name: .long, help: "Interval between watch BOOKMARK events, e.g. 1s.")
    var bookmarkInterval: String = "1s"

    @Flag(name: .long, help: "Also accept TLS client certificates signed by the server's CA.")
    var clientCertificates = false

    @Flag(name: .long, help: "Serve HTTP/1.1 only (HTTP/2 is offered through ALPN by default, as kube-apiserver does).")
    var http1Only = false

    @Option(name: .long, help: "Seconds a shutdown (SIGTERM, SIGINT) may take before the process exits regardless.")
    var gracefulShutdownTimeout: Double = 10

    mutating func run() async throws {
        var configuration = APIServerConfiguration()
        if let listen {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen must be HOST:PORT, got \(listen)")
            }
            configuration.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            configuration.port = port
        } else {
            configuration.port = port
        }
        configuration.crdDirectories = crds.map { URL(fileURLWithPath: $0) }
        configuration.tokens = try Self.tokens(token)
        configuration.rollout = try Self.rollout(rollout)
        configuration.bookmarkInterval = try Self.duration(bookmarkInterval, option: "--bookmark-interval")
        configuration.clientCA = clientCertificates ? .serverCA : nil
        configuration.http2 = !http1Only

        // Signals from here on: the first starts the shutdown below and arms the hard deadline.
        let (stops, stop) = AsyncStream.makeStream(of: Int32.self)
        let signals = TerminationSignals(gracePeriod: gracefulShutdownTimeout) { stop.yield($0) }

        let server: APIServer
        do {
            server = try await APIServer.start(configuration)
        } catch let error as APIServerError {
            let hint = switch error {
            case .listenFailed, .notLoopback: "; choose another address with --listen HOST:PORT or --port (0 picks a free one)"
            case .customResourceDefinition: "; check the --crds directories"
            default: ""
            }
            Self.fail("\(error)\(hint)")
        }
        if let kubeconfig {
            do { try server.writeKubeconfig(to: URL(fileURLWithPath: kubeconfig)) } catch {
                await server.shutdown()
                Self.fail("cannot write --kubeconfig \(kubeconfig): \(error)")
            }
        }
        Self.say("keyward-apiserver serving on \(server.url.absoluteString)")
        if let kubeconfig { Self.say("kubeconfig: \(kubeconfig)") }
        var stopIterator = stops.makeAsyncIterator()
        let received = await stopIterator.next()
        Self.say("keyward-apiserver stopping (signal \(received ?? 0))")
        await server.shutdown()
        signals.cancel()
    }

    /// A startup failure: one line on stderr, exit status 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("keyward-apiserver: error: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// Unbuffered, so scripts waiting on the "serving" line see it at once even when stdout is a file.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func tokens(_ specs: [String]) throws -> [String: String] {
        guard !specs.isEmpty else {
            var bytes = [UInt8](repeating: 0, count: 24)
            var generator = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = generator.next() }
            let token = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return [token: "admin"]
        }
        var tokens: [String: String] = [:]
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = parts.first, !value.isEmpty else { throw ValidationError("--token must not be empty") }
            tokens[value] = parts.count == 2 ? parts[1] : "admin"
        }
        return tokens
    }

    static func rollout(_ text: String) throws -> RolloutSimulation {
        switch text {
        case "off": return .off
        case "never": return .never
        default: return .after(try duration(text, option: "--rollout"))
        }
    }

    /// Go-style durations: a number and a unit (ms, s, m, h), possibly repeated (`1m30s`).
    static func duration(_ text: String, option: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var seconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            guard let value = Double(number),
                  let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
            else { throw ValidationError("\(option): \(text) is not a duration (e.g. 1s, 500ms, 2m)") }
            rest = rest.dropFirst(unit.0.count)
            seconds += value * unit.1
        }
        guard seconds > 0 || text == "0s" else { throw ValidationError("\(option): \(text) is not a duration (e.g. 1s, 500ms, 2m)") }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
