import ArgumentParser
import ControllerRuntime
import Foundation
import KeywardAPI

/// Options of `keyward status certificate|secretrotation`. `--state` and `-n` belong to the parent `status` command
/// (ArgumentParser hands an option to the first command declaring it), so the object commands read them from there.
struct ObjectStatusOptions: ParsableArguments {
    @Argument(help: "Name of the object.")
    var name: String

    /// Shown in help; the parent `status` command takes `-n` first (see `StatusCommand.namespace`).
    @Option(name: .shortAndLong, help: "Namespace of the object (default: the kubeconfig's namespace, or default).")
    var namespace: String?

    @Option(help: "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context.")
    var context: String?

    @Option(name: .shortAndLong, help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    func source(_ status: StatusCommand) throws -> ObjectSource {
        try ObjectSource.open(namespace: status.namespace ?? namespace, kubeconfig: kubeconfig, context: context, state: status.state)
    }

    /// Opens the source, builds the report (nil: the object does not exist, and `notFound` names it) and prints it
    /// in the chosen format.
    func report<Report: StatusReport>(_ status: StatusCommand, notFound: (ObjectSource) -> String,
                                      _ build: (ObjectSource, Date) async throws -> Report?) async throws {
        let source = try source(status)
        defer { source.shutdown() }
        let now = Date()
        guard let report = try await build(source, now) else { throw ValidationError("\(notFound(source)) not found") }
        print(output == .text ? report.rendered(style: .standardOutput, now: now) : try output.render(report))
    }
}

/// What every `keyward status KIND NAME` report is: facts for `-o json|yaml`, and a screen of text.
protocol StatusReport: Encodable {
    func rendered(style: TerminalStyle, now: Date) -> String
}

extension CertificateStatusReport: StatusReport {}
extension SecretRotationStatusReport: StatusReport {}
extension IssuerStatusReport: StatusReport {}

struct CertificateStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate", abstract: "Why a Certificate is (not) Ready: conditions, Secret, issuer chain, CRL, Events.",
        aliases: ["certificates", "cert", "kwcert"])

    @ParentCommand var status: StatusCommand
    @OptionGroup var options: ObjectStatusOptions

    func run() async throws {
        try await options.report(status, notFound: { "Certificate \($0.namespace)/\(options.name)" }) {
            source, now -> CertificateStatusReport? in
            guard let certificate = try await source.store.get(Certificate.self, namespace: source.namespace, name: options.name)
            else { return nil }
            return try await CertificateStatusReport.build(certificate, source: source, now: now)
        }
    }
}

struct SecretRotationStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secretrotation", abstract: "Why a SecretRotation is (not) Ready: conditions, phase, Secret, Events.",
        aliases: ["secretrotations", "srot"])

    @ParentCommand var status: StatusCommand
    @OptionGroup var options: ObjectStatusOptions

    func run() async throws {
        try await options.report(status, notFound: { "SecretRotation \($0.namespace)/\(options.name)" }) {
            source, now -> SecretRotationStatusReport? in
            guard let rotation = try await source.store.get(SecretRotation.self, namespace: source.namespace, name: options.name)
            else { return nil }
            return try await SecretRotationStatusReport.build(rotation, source: source, now: now)
        }
    }
}

struct IssuerStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issuer", abstract: "Why an Issuer is (not) Ready: conditions, CA Secret, dependent Certificates, Events.",
        aliases: ["issuers", "kwissuer"])

    @ParentCommand var status: StatusCommand
    @OptionGroup var options: ObjectStatusOptions

    func run() async throws {
        try await options.report(status, notFound: { "Issuer \($0.namespace)/\(options.name)" }) {
            source, now -> IssuerStatusReport? in
            guard let issuer = try await source.store.get(IssuerResource.self, namespace: source.namespace, name: options.name)
            else { return nil }
            return try await IssuerStatusReport.build(issuer, source: source, clusterResourceNamespace: nil, now: now)
        }
    }
}

struct ClusterIssuerStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterissuer",
        abstract: "Why a ClusterIssuer is (not) Ready: conditions, CA Secret, dependent Certificates in every namespace, Events.",
        aliases: ["clusterissuers", "kwclusterissuer"])

    @ParentCommand var status: StatusCommand
    @OptionGroup var options: ObjectStatusOptions

    @Option(help: "Namespace of ClusterIssuer Secrets, as the controller's --cluster-resource-namespace.")
    var clusterResourceNamespace: String = "keyward-system"

    func run() async throws {
        try await options.report(status, notFound: { _ in "ClusterIssuer \(options.name)" }) {
            source, now -> IssuerStatusReport? in
            guard let issuer = try await source.store.get(ClusterIssuerResource.self, namespace: nil, name: options.name)
            else { return nil }
            return try await IssuerStatusReport.build(issuer, source: source,
                                                      clusterResourceNamespace: clusterResourceNamespace, now: now)
        }
    }
}
