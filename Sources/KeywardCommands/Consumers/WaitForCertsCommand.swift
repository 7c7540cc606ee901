import ArgumentParser
import CertificateGate
import Foundation
import KeywardCore

/// `keyward wait-for-certs`: the init container that holds a pod until valid certificate files exist.
struct WaitForCertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait-for-certs",
        abstract: "Wait until certificate files exist, parse, match their key and pass every given check.",
        discussion: """
            Exits 0 as soon as the files are ready; prints one line each time the reason for waiting changes. \
            Unreadable or garbage files are a reason to wait, never a crash. On timeout it exits 1 with the last \
            reason; bad options exit 2.
            """)

    @Option(help: "Folder holding the files.")
    var dir: String

    @Option(parsing: .upToNextOption, help: "File names to require (default: cert.pem privkey.pem).")
    var files: [String] = WaitForCertsOptions.defaultFiles

    @Option(help: "CA bundle the certificate must chain to.")
    var ca: String?

    @Option(name: .customLong("dns-name"), help: "A name the certificate must cover (repeatable).")
    var dnsNames: [String] = []

    @Option(help: "The certificate must stay valid at least this long (Go duration, e.g. 24h).")
    var minValidity: String = "0s"

    @Option(help: "CRL the certificate must not be listed in (fail-closed; needs --ca).")
    var crl: String?

    @Option(help: "Give up after this long (default: wait forever).")
    var timeout: String?

    @Option(help: "Time between checks.")
    var interval: String = "2s"

    func run() async throws {
        let options: WaitForCertsOptions
        do {
            options = WaitForCertsOptions(
                directory: dir, files: files, caFile: ca, dnsNames: dnsNames,
                minValidity: try duration(minValidity, flag: "--min-validity"), crlFile: crl,
                timeout: try timeout.map { try duration($0, flag: "--timeout") },
                interval: try duration(interval, flag: "--interval"))
        } catch {
            print("wait-for-certs: \(error)")
            throw ExitCode(2)
        }
        // Written straight to the descriptor (no stdio buffer), so each line reaches the container log at once.
        let emit: (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        do {
            _ = try await CertificateGate.wait(options, output: emit)
        } catch let error as CertificateGateError {
            print("wait-for-certs: \(error)")
            throw ExitCode(error.exitCode)
        }
    }

    private func duration(_ text: String, flag: String) throws -> GoDuration {
        do { return try GoDuration(parsing: text) } catch {
            throw ValidationError("\(flag) \(text): \(error)")
        }
    }
}
