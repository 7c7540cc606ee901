import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import SecretSync
import Testing

/// The sidecar against the project's API server: real HTTPS, list+watch with a field selector, resumption.
@Suite("SecretSyncer against the API server")
struct ClusterSyncTests {
    struct Cluster {
        let server: APIServer
        let client: KubernetesClient

        static func start() async throws -> Cluster {
            let server = try await APIServer.start(APIServerConfiguration())
            let client = KubernetesClient(
                configuration: ClientConfiguration(
                    server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                    credentials: .token(server.token), namespace: "default"),
                retryPolicy: RetryPolicy(maxAttempts: 4, backoff: Backoff(base: 0.01, cap: 0.05)))
            return Cluster(server: server, client: client)
        }

        func stop() async {
            client.shutdown()
            await server.shutdown()
        }
    }

    static func secret(_ name: String, _ data: [String: Data]) -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: "default"), type: Secret.tlsType, data: data)
    }

    @Test func picksUpSecretChangesAndRunsTheReloadAction() async throws {
        let cluster = try await Cluster.start()
        let target = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        let outcomes = Collected<SecretSyncer.Outcome>()
        let syncer = SecretSyncer(
            client: cluster.client, namespace: "default", name: "web-tls",
            options: .init(directory: target.path, reload: .exec(command: "echo reload >> '\(scratch.file("reloads.log"))'")))
        let running = Task { await syncer.run(onOutcome: outcomes.append) }

        do {
            // Started before the Secret exists: the sidecar waits and keeps nothing.
            try await eventually("the absent Secret to be observed") { outcomes.all.count == 1 }
            guard case .kept = outcomes.all[0] else { throw WaitFailure(description: "expected kept, got \(outcomes.all)") }

            let first = PKI.secretData()
            _ = try await cluster.client.create(Self.secret("web-tls", first.data))
            try await eventually("the first version to be written") { target.read("fullchain.pem") != nil }
            #expect(target.read("privkey.pem") == String(decoding: first.data["tls.key"]!, as: UTF8.self))

            // Another Secret in the namespace is outside the field selector: it must produce no update at all,
            // which the exact outcome sequence below proves (watch events arrive in order).
            _ = try await cluster.client.create(Self.secret("unrelated", PKI.secretData().data))

            // Metadata-only change: observed, but nothing written and no reload.
            var labelled = try await cluster.client.get(Secret.self, name: "web-tls")
            labelled.metadata.labels["touched"] = "yes"
            _ = try await cluster.client.update(labelled)
            try await eventually("the label change to be observed") { outcomes.all.count == 3 }

            // Renewal: new content, written and reloaded.
            let renewed = PKI.secretData()
            var updated = try await cluster.client.get(Secret.self, name: "web-tls")
            updated.data = renewed.data
            _ = try await cluster.client.update(updated)
            try await eventually("the renewal to be written and reloaded") { scratch.lines("reloads.log") == ["reload"] }
            #expect(target.read("fullchain.pem") == String(decoding: renewed.data["tls.crt"]!, as: UTF8.self))

            // Deletion keeps the last good files.
            try await cluster.client.delete(Secret.self, name: "web-tls")
            try await eventually("the deletion to be observed") { outcomes.all.count == 5 }
            #expect(target.read("fullchain.pem") == String(decoding: renewed.data["tls.crt"]!, as: UTF8.self))

            let all = outcomes.all
            guard case .kept = all[0], case .updated(_, nil) = all[1], all[2] == .unchanged,
                case .updated(_, .succeeded?) = all[3], case .kept = all[4]
            else { throw WaitFailure(description: "unexpected outcomes \(all)") }
        } catch {
            Issue.record(error)
        }
        running.cancel()
        await running.value
        await cluster.stop()
    }

    @Test func resumesAfterTheServerEndsTheWatch() async throws {
        let cluster = try await Cluster.start()
        let target = try TemporaryDirectory()
        let first = PKI.secretData()
        _ = try await cluster.client.create(Self.secret("web-tls", first.data))
        let source = KubernetesSecretSource(client: cluster.client, namespace: "default", name: "web-tls",
                                            watchTimeoutSeconds: 1)
        let syncer = SecretSyncer(source: source, options: .init(directory: target.path))
        let running = Task { await syncer.run() }

        do {
            try await eventually("the first version to be written") {
                target.read("fullchain.pem") == String(decoding: first.data["tls.crt"]!, as: UTF8.self)
            }
            // Wait until the first watch has ended and a second one is open.
            try await eventually("a resumed watch") {
                await cluster.server.requestLog().filter { $0.verb == .watch && $0.resource == "secrets" }.count >= 2
            }
            let renewed = PKI.secretData()
            var updated = try await cluster.client.get(Secret.self, name: "web-tls")
            updated.data = renewed.data
            _ = try await cluster.client.update(updated)
            try await eventually("the renewal to arrive on the resumed watch") {
                target.read("fullchain.pem") == String(decoding: renewed.data["tls.crt"]!, as: UTF8.self)
            }
            // Resumed from the last resourceVersion: one list in total, never a relist.
            let lists = await cluster.server.requestLog().filter { $0.verb == .list && $0.resource == "secrets" }
            #expect(lists.count == 1)
        } catch {
            Issue.record(error)
        }
        running.cancel()
        await running.value
        await cluster.stop()
    }
}
