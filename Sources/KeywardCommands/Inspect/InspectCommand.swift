import ArgumentParser
import CertificateGate
import ControllerRuntime
import Foundation
import KeywardPKI
import KubernetesResources

/// `keyward inspect`: decode certificates, keys and CRLs from files or a TLS Secret, never printing key material.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode certificates, private keys and CRLs (never printing key material).",
        discussion: """
            `keyward inspect FILE…` reads PEM or DER files; `keyward inspect secret NAME` reads a Secret's \
            certificate, key and CA entries from the cluster (or a standalone --state folder). Each private key is \
            matched against every certificate given. Exit 1 when a block cannot be read.
            """,
        subcommands: [InspectFilesCommand.self, InspectSecretCommand.self],
        defaultSubcommand: InspectFilesCommand.self)

    /// Prints the reports and fails (exit 1) when any block was unreadable.
    static func emit(_ reports: [MaterialReport], output: OutputFormat) throws {
        switch output {
        case .text: print(reports.map { $0.rendered(style: .standardOutput) }.joined(separator: "\n\n"))
        case .json, .yaml: print(try output.render(reports))
        }
        if reports.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
    }
}

struct InspectFilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Decode PEM or DER files (the default: `keyward inspect FILE…`).")

    @Argument(help: "Files holding certificates, private keys or CRLs (PEM or DER).")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to inspect") }
    }

    func run() async throws {
        var sources: [(name: String, bundle: MaterialBundle)] = []
        for file in files {
            switch FileProbe.read(file) {
            case .missing: throw ValidationError("\(file): no such file")
            case .unreadable(let reason): throw ValidationError("\(file): \(reason)")
            case .contents(let data): sources.append((file, MaterialBundle(bytes: Array(data))))
            }
        }
        try InspectCommand.emit(MaterialReport.build(sources, now: Date()), output: output)
    }
}

struct InspectSecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Decode the certificates, key, CA and CRL of a Secret.")

    @Argument(help: "Secret name.")
    var name: String

    @OptionGroup var target: TargetOptions

    @Option(name: .shortAndLong, help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    /// Keys worth decoding, in the order they are shown; other keys count only if they look like PEM/DER material.
    static let knownKeys = ["tls.crt", "tls.key", "ca.crt", "crl.pem", "ca.crl"]

    func run() async throws {
        let source = try ObjectSource.open(target)
        defer { source.shutdown() }
        guard let secret = try await source.store.get(Secret.self, namespace: source.namespace, name: name) else {
            throw ValidationError("Secret \(source.namespace)/\(name) not found")
        }
        let keys = Self.knownKeys.filter { secret.data[$0] != nil }
            + secret.data.keys.filter { !Self.knownKeys.contains($0) && Self.looksLikeMaterial(secret.data[$0]) }.sorted()
        guard !keys.isEmpty else {
            throw ValidationError("Secret \(source.namespace)/\(name) (type \(secret.type)) holds no certificate, key or CRL")
        }
        let sources = keys.map { key in (name: key, bundle: MaterialBundle(bytes: Array(secret.data[key] ?? Data()))) }
        if output == .text { print("Secret \(source.namespace)/\(name) (type \(secret.type))\n") }
        try InspectCommand.emit(MaterialReport.build(sources, now: Date()), output: output)
    }

    private static func looksLikeMaterial(_ value: Data?) -> Bool {
        guard let value else { return false }
        return String(decoding: value.prefix(64 << 10), as: UTF8.self).contains("-----BEGIN ")
    }
}
