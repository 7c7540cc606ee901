import ArgumentParser
import AtomicDirectory
import CertificateController
import ControllerRuntime
import Foundation
@testable import KeywardCommands
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import StandaloneStore
import Testing

/// Standalone mode end to end: manifests in, state and files out, the same reconcilers as the controller.
@Suite("Standalone mode")
struct StandaloneRunnerTests {
    let directory: TemporaryDirectory
    let manifests: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "keyward-standalone")
        manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let examples = ExternalTool.repositoryRoot.appendingPathComponent("examples/standalone")
        for file in try FileManager.default.contentsOfDirectory(atPath: examples.path) where file.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: examples.appendingPathComponent(file).path, toPath: "\(manifests)/\(file)")
        }
    }

    func runner(clock: any WallClock = SystemClock()) throws -> StandaloneRunner {
        try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"), clock: clock)
    }

    @Test("--durability: both modes issue the example into files openssl verifies; grouped, every state file and files folder asks the run's group commit, each-file never does",
          arguments: [false, true])
    func durabilityModes(grouped: Bool) async throws {
        let commit = GroupCommit()
        let runner = try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"),
                                               clock: SystemClock(), durability: grouped ? .grouped(commit) : .eachFile)
        let outcomes = try await runner.runOnce()
        #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        let verify = try await ExternalTool.openssl("verify", "-CAfile", directory.path("out/web/ca.pem"), directory.path("out/web/cert.pem"))
        #expect(verify.status == 0, "\(verify)")
        // Each state write, the manifest index's included, asks twice (before and after its rename); each folder
        // write twice (version, swap): web's folder once, the root CA's once or twice (again when its CRL lands).
        let writes = await runner.store.writeCount
        #expect(writes > 0)
        let folderRequests = commit.statistics.requests - 2 * (writes + 1)
        #expect(grouped ? [4, 6].contains(folderRequests) : commit.statistics.requests == 0,
                "\(commit.statistics), \(writes) writes")
        #expect(grouped ? commit.statistics.rounds >= 1 : commit.statistics.rounds == 0)

        let parsed = try #require(try KeywardCommand.parseAsRoot(
            ["run", "--manifests", "m", "--state", "s", "--out", "o"] + (grouped ? [] : ["--durability", "each-file"])) as? RunCommand)
        #expect(parsed.durability == (grouped ? .grouped : .eachFile))
    }

    @Test("a failed grouped flush stops the run: --once and the long-running loop end with durabilityLost, naming the cause, instead of retrying writes that can no longer be made durable")
    func failedFlushStopsTheRun() async throws {
        let failing: @Sendable (Int32) -> Int32 = { _ in
            errno = EIO
            return -1
        }
        let once = try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"),
                                             clock: SystemClock(), durability: .grouped(GroupCommit(flush: failing)))
        await #expect(throws: StandaloneRunnerError.durabilityLost(errno: EIO)) { try await once.runOnce() }

        let loop = try Standalone.makeRunner(manifests: manifests, state: directory.path("state-loop"), out: directory.path("out-loop"),
                                             clock: SystemClock(), durability: .grouped(GroupCommit(flush: failing)))
        await #expect(throws: StandaloneRunnerError.durabilityLost(errno: EIO)) { try await loop.run(pollInterval: 3600) }

        let message = StandaloneRunnerError.durabilityLost(errno: EIO).description
        #expect(message.contains("Input/output error") && message.contains("--durability each-file"), "\(message)")
    }

    @Test("--durability refuses a mode it does not know, naming the option")
    func unknownDurability() {
        #expect {
            try KeywardCommand.parseAsRoot(["run", "--manifests", "m", "--state", "s", "--out", "o", "--durability", "never"])
        } throws: { error in
            KeywardCommand.message(for: error).contains("--durability")
        }
    }

    @Test("--once issues the example CA and leaf into files that openssl verifies; a second run writes nothing")
    func once() async throws {
        let runner = try runner()
        let outcomes = try await runner.runOnce()
        #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        let table = try await Standalone.statusTable(runner.store)
        let certificates = table.rows.filter { $0.kind == "Certificate" }
        #expect(certificates.count == 2)
        #expect(certificates.allSatisfy { $0.ready == "True" }, "\(table.rendered())")

        let web = directory.path("out/web")
        let verify = try await ExternalTool.openssl("verify", "-CAfile", "\(web)/ca.pem", "\(web)/cert.pem")
        #expect(verify.status == 0, "\(verify)")
        let info = try CertificateInfo(try #require(try PEMBundle.certificates(
            from: String(contentsOfFile: "\(web)/cert.pem", encoding: .utf8)).first))
        #expect(Set(info.dnsNames) == ["web.example.com", "www.example.com"])

        // State is private, and a fresh process over the same state changes nothing.
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path("state"))[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let again = try self.runner()
        _ = try await again.runOnce()
        #expect(await again.store.writeCount == 0)
        #expect(try await Standalone.statusTable(again.store).rendered() == table.rendered())
    }

    @Test("--out keeps its layout but a symlink in the way is refused: FilesRefused, nothing written through it")
    func symlinkInOutIsRefused() async throws {
        // out/web is a symlink to a folder elsewhere (say, another service's certificates).
        let elsewhere = directory.path("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path("out"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.path("out/web"), withDestinationPath: elsewhere)
        let runner = try runner()
        _ = try await runner.runOnce()
        let web = try #require(try await runner.store.get(Certificate.self, namespace: "default", name: "standalone-web"))
        let ready = web.status?.conditions[type: Certificate.ConditionType.ready]
        #expect(ready?.status == .false && ready?.reason == Certificate.Reason.filesRefused, "\(String(describing: ready))")
        #expect(ready?.message.contains(directory.path("out/web")) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
        // The CA, with no symlink on its way, is written as before.
        #expect(FileManager.default.fileExists(atPath: directory.path("out/default/standalone-root-ca/cert.pem")))
    }

    @Test("keyward wait-for-certs passes on what standalone mode wrote, and times out naming the reason otherwise")
    func waitForCerts() async throws {
        _ = try await runner().runOnce()
        let web = directory.path("out/web")
        let ready = try WaitForCertsCommand.parse(["--dir", web, "--ca", "\(web)/ca.pem", "--dns-name", "www.example.com",
                                                   "--min-validity", "24h", "--timeout", "5s"])
        try await ready.run()
        let wrongName = try WaitForCertsCommand.parse(["--dir", web, "--dns-name", "mail.example.com", "--timeout", "0s"])
        await #expect(throws: ExitCode(1)) { try await wrongName.run() }
        let badOptions = try WaitForCertsCommand.parse(["--dir", web, "--crl", "\(web)/crl.pem"])
        await #expect(throws: ExitCode(2)) { try await badOptions.run() }
    }

    @Test("keyward renew --state marks the Certificate and the next run renews it")
    func manualRenew() async throws {
        _ = try await runner().runOnce()
        let renew = try RenewCommand.parse(["standalone-web", "--state", directory.path("state")])
        try await renew.run()
        let next = try runner()
        _ = try await next.runOnce()
        let web = try #require(try await next.store.get(Certificate.self, namespace: "default", name: "standalone-web"))
        #expect(web.status?.revision == 2)
        #expect(web.status?.lastRenewRequest == web.metadata.annotations["keyward.dev/renew"])
    }

    @Test("an edited manifest is applied like kubectl apply and reissues; a removed one deletes its Certificate")
    func manifestChanges() async throws {
        _ = try await runner().runOnce()
        let webManifest = "\(manifests)/web.yaml"
        let edited = try String(contentsOfFile: webManifest, encoding: .utf8)
            .replacingOccurrences(of: "    - www.example.com\n", with: "    - www.example.com\n    - api.example.com\n")
        try edited.write(toFile: webManifest, atomically: true, encoding: .utf8)
        let second = try runner()
        _ = try await second.runOnce()
        let web = try #require(try await second.store.get(Certificate.self, namespace: "default", name: "standalone-web"))
        #expect(web.metadata.generation == 2)
        #expect(web.status?.revision == 2)
        #expect(web.spec.dnsNames.contains("api.example.com"))

        try FileManager.default.removeItem(atPath: webManifest)
        let third = try runner()
        _ = try await third.runOnce()
        #expect(try await third.store.get(Certificate.self, namespace: "default", name: "standalone-web") == nil)
        // The Secret it created is data, not configuration: it stays.
        #expect(try await third.store.get(Secret.self, namespace: "default", name: "standalone-web-tls") != nil)
    }

    @Test("a broken manifest is an error naming the file and field, and nothing is written")
    func brokenManifest() async throws {
        try "apiVersion: keyward.dev/v1alpha1\nkind: Certificate\nmetadata: {}\nspec: {}\n"
            .write(toFile: "\(manifests)/zz-broken.yaml", atomically: true, encoding: .utf8)
        let runner = try runner()
        await #expect {
            _ = try await runner.runOnce()
        } throws: { error in
            "\(error)".contains("zz-broken.yaml") && "\(error)".contains("metadata.name")
        }
        #expect(await runner.store.writeCount == 0)
    }

    @Test("long-running mode renews on time with an injected clock")
    func renewsOnTime() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let runner = try runner(clock: clock)
        let task = Task { try await runner.run(pollInterval: 3600) }
        defer { task.cancel() }
        let first = try await eventually { () -> Certificate? in
            let web = try await runner.store.get(Certificate.self, namespace: "default", name: "standalone-web")
            return web?.status?.revision == 1 ? web : nil
        }
        let renewalTime = try #require(first.status?.renewalTime)
        // Advance past the renewal time, in steps so the runner's sleeps wake up.
        _ = try await eventually { () -> Bool? in clock.sleeperCount > 0 ? true : nil }
        clock.set(to: renewalTime.addingTimeInterval(1))
        let renewed = try await eventually { () -> Certificate? in
            let web = try await runner.store.get(Certificate.self, namespace: "default", name: "standalone-web")
            return (web?.status?.revision ?? 0) >= 2 ? web : nil
        }
        #expect(try #require(renewed.status?.notAfter) > first.status!.notAfter!)
        task.cancel()
    }
}

/// Polls `probe` until it returns a value, for at most `seconds` (bounded; not a timing assertion).
func eventually<T>(seconds: Double = 60, _ probe: () async throws -> T?) async throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw ExternalTool.Failure(description: "condition not reached within \(seconds)s")
}
