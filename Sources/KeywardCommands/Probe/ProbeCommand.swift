import ArgumentParser
import CertificateGate
import ControllerRuntime
import Foundation
import KeywardPKI
import KubernetesResources
import TLSProbe
import X509

/// `keyward probe HOST:PORT`: what an endpoint really serves, checked against a CA and the certificate it should be.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Read the certificate chain an endpoint serves (TLS handshake only) and check it.",
        discussion: """
            Connects to HOST:PORT, completes a TLS handshake asking for --servername (SNI; default the host), sends \
            no HTTP request, and prints every certificate the server sent: subject, SANs, issuer, serial, notAfter \
            and days left. The leaf must be within its validity period and cover the server name; with --ca the \
            chain is verified against those roots too. --expect-cert FILE (PEM) or --expect-secret NS/NAME (the \
            tls.crt of a Secret in the cluster, or in a standalone --state folder) names the certificate that should \
            be served: another one is a mismatch (a consumer that did not reload).

            Exit codes: 0 ok; 1 mismatch, expired or not yet valid, name not covered, or chain invalid; 2 unreachable \
            or TLS error; 64 bad options.
            """)

    @Argument(help: "host:port (or [v6]:port) to connect to.")
    var address: String

    @Option(name: .customLong("servername"), help: "Server name to ask for (SNI) and check the leaf against (default: the host).")
    var serverName: String?

    @Option(help: "Trust anchors (PEM) to verify the served chain against.")
    var ca: String?

    @Option(name: .customLong("expect-cert"), help: "The certificate (PEM; the first one counts) that should be served.")
    var expectCert: String?

    @Option(name: .customLong("expect-secret"), help: ArgumentHelp(
        "The Secret whose tls.crt should be served.", valueName: "namespace/name"))
    var expectSecret: String?

    @Option(help: "Path to a kubeconfig for --expect-secret (default: $KUBECONFIG, in-cluster, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context for --expect-secret.")
    var context: String?

    @Option(help: "Read --expect-secret from this standalone state folder instead of a cluster.")
    var state: String?

    @Option(help: "Seconds to wait for the connection and handshake (at most 30).")
    var timeout: Double = 10

    /// Exit codes, as documented in `--help`, README and docs/observability.md.
    enum Outcome: Int32 {
        case ok = 0
        case failed = 1
        case unreachable = 2
    }

    func validate() throws {
        _ = try target()
        if expectCert != nil, expectSecret != nil { throw ValidationError("--expect-cert and --expect-secret are exclusive") }
        if let expectSecret { _ = try Self.secretReference(expectSecret) }
        guard timeout > 0, timeout <= 30 else { throw ValidationError("--timeout must be more than 0 and at most 30 seconds") }
    }

    func run() async throws {
        let target = try target()
        let expected = try await expectedLeaf()
        let prober = TLSProber(egress: nil, timeout: .milliseconds(Int64(timeout * 1000)))
        let report: ProbeReport
        switch await prober.probe(target) {
        case .failure(let failure):
            print(TerminalStyle.standardOutput.bad(failure.isUnreachable ? "unreachable" : "TLS error")
                  + ": \(target): \(failure.reason)")
            throw ExitCode(Outcome.unreachable.rawValue)
        case .success(let chain):
            report = await ProbeReport(target: target, chain: chain, roots: try ca.map { try VerifyCommand.certificates(in: $0) },
                                       expected: expected, now: Date())
        }
        print(report.rendered(style: .standardOutput))
        if report.outcome != .ok { throw ExitCode(report.outcome.rawValue) }
    }

    private func target() throws -> ProbeTarget {
        do { return try ProbeTarget(address: address, serverName: serverName) } catch {
            throw ValidationError(error.description)
        }
    }

    /// The certificate that should be served, with where it came from.
    private func expectedLeaf() async throws -> ProbeReport.Expected? {
        if let expectCert {
            do { return .init(certificate: try VerifyCommand.certificates(in: expectCert)[0], source: expectCert) } catch {
                throw ValidationError("--expect-cert \(error)")
            }
        }
        guard let expectSecret else { return nil }
        let (namespace, name) = try Self.secretReference(expectSecret)
        let source = try ObjectSource.open(namespace: namespace, kubeconfig: kubeconfig, context: context, state: state)
        defer { source.shutdown() }
        guard let secret = try await source.store.get(Secret.self, namespace: namespace, name: name) else {
            throw ValidationError("--expect-secret: Secret \(namespace)/\(name) not found")
        }
        guard let pem = secret.data["tls.crt"].map({ String(decoding: $0, as: UTF8.self) }),
              let leaf = try? PEMBundle.certificates(from: pem).first
        else { throw ValidationError("--expect-secret: Secret \(namespace)/\(name) holds no readable tls.crt") }
        return .init(certificate: leaf, source: "Secret \(namespace)/\(name)")
    }

    static func secretReference(_ text: String) throws -> (namespace: String, name: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--expect-secret must be namespace/name, got \(text.debugDescription)")
        }
        return (String(parts[0]), String(parts[1]))
    }
}
