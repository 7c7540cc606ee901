import ArgumentParser
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import StandaloneStore

/// Where a manual trigger is written: the cluster (kubeconfig) or a standalone state folder.
struct TargetOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Namespace of the object (default: the kubeconfig's namespace, or default).")
    var namespace: String?

    @Option(help: "Standalone mode: the --state folder of `keyward run` instead of a cluster.")
    var state: String?

    @Option(help: "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context.")
    var context: String?
}

/// Sets one annotation on a Certificate or SecretRotation; the reconciler acts on it and records that it did.
///
/// Requests are annotations (not direct actions) so they survive a controller restart and leave a trace on the
/// object, and so standalone mode and the cluster take the same path.
enum ManualTrigger {
    static func annotate<T: KubernetesResource>(_ type: T.Type, name: String, key: String, value: String,
                                                target: TargetOptions) async throws {
        if let state = target.state {
            let store = try FileResourceStore(stateDirectory: state)
            let namespace = target.namespace ?? "default"
            guard var object = try await store.get(T.self, namespace: namespace, name: name) else {
                throw ValidationError("\(T.kind) \(namespace)/\(name) not found in \(state)")
            }
            object.metadata.annotations[key] = value
            _ = try await store.update(object)
            print("\(T.kind.lowercased()) \(namespace)/\(name) annotated \(key)=\(value); the next `keyward run` acts on it")
            return
        }
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration.load(kubeconfig: target.kubeconfig, context: target.context) } catch {
            throw ValidationError("cannot load Kubernetes configuration: \(error)")
        }
        let client = KubernetesClient(configuration: configuration)
        defer { client.shutdown() }
        let namespace = target.namespace ?? configuration.namespace
        let patch: JSONValue = ["metadata": ["annotations": .object([key: .string(value)])]]
        do {
            _ = try await client.patch(T.self, name: name, namespace: namespace, patch: .merge(patch))
        } catch let error as KubernetesError where error.isNotFound {
            throw ValidationError("\(T.kind) \(namespace)/\(name) not found")
        }
        print("\(T.kind.lowercased()).\(T.group) \(namespace)/\(name) annotated \(key)=\(value)")
    }

    /// A unique request value: the reconciler handles each distinct value once.
    static func requestID() -> String { KubeTime.formatMicro(Date()) }
}

struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew", abstract: "Renew a Certificate now (also clears a failurePolicy Hold).")
    @Argument(help: "Certificate name.") var name: String
    @OptionGroup var target: TargetOptions

    func run() async throws {
        try await ManualTrigger.annotate(Certificate.self, name: name, key: KeywardAnnotations.renew,
                                         value: ManualTrigger.requestID(), target: target)
    }
}

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a Certificate's current serial in its CA's CRL and issue a replacement.")
    @Argument(help: "Certificate name.") var name: String
    @Option(help: "RFC 5280 reason: unspecified, keyCompromise, caCompromise, affiliationChanged, superseded, cessationOfOperation.")
    var reason = "unspecified"
    @OptionGroup var target: TargetOptions

    func run() async throws {
        try await ManualTrigger.annotate(Certificate.self, name: name, key: KeywardAnnotations.revoke, value: reason,
                                         target: target)
    }
}

struct RotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Rotate a SecretRotation now, or flip a blue-green rotation back (--rollback).")
    @Argument(help: "SecretRotation name.") var name: String
    @Flag(help: "Blue-green: make the previous side active again at once.") var rollback = false
    @OptionGroup var target: TargetOptions

    func run() async throws {
        try await ManualTrigger.annotate(SecretRotation.self, name: name,
                                         key: rollback ? KeywardAnnotations.rollback : KeywardAnnotations.rotate,
                                         value: ManualTrigger.requestID(), target: target)
    }
}
