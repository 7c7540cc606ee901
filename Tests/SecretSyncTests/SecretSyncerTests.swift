import AtomicDirectory
import Foundation
import KeywardCore
import SecretSync
import Testing

@Suite("SecretSyncer")
struct SecretSyncerTests {
    /// A syncer whose reload appends a line to `reloads.log` in `scratch`, so reloads can be counted exactly.
    func makeSyncer(_ target: TemporaryDirectory, _ scratch: TemporaryDirectory, source: any SecretSource = ScriptedSource(),
                    reloadCommand: String? = nil) -> SecretSyncer {
        let command = reloadCommand ?? "echo reload >> '\(scratch.file("reloads.log"))'"
        return SecretSyncer(source: source,
                            options: .init(directory: target.path, layout: .certificateFiles,
                                           reload: .exec(command: command)))
    }

    @Test func writesOnChangeAndReloadsOnlyThen() async throws {
        let target = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        let syncer = makeSyncer(target, scratch)
        let first = PKI.secretData()

        // The first version in an empty directory: nobody can have loaded anything yet, so no reload.
        guard case .updated(_, nil) = await syncer.apply(.present(SecretSnapshot(data: first.data, resourceVersion: "1")))
        else { Issue.record("first write must update without reloading"); return }
        #expect(target.read("fullchain.pem") == String(decoding: first.data["tls.crt"]!, as: UTF8.self))
        #expect(scratch.lines("reloads.log").isEmpty)

        // Same content at a new resourceVersion (e.g. a label changed): no write, no reload.
        #expect(await syncer.apply(.present(SecretSnapshot(data: first.data, resourceVersion: "2"))) == .unchanged)
        #expect(scratch.lines("reloads.log").isEmpty)

        let second = PKI.secretData()
        guard case .updated(_, .succeeded?) = await syncer.apply(.present(SecretSnapshot(data: second.data)))
        else { Issue.record("a content change must write and reload"); return }
        #expect(target.read("privkey.pem") == String(decoding: second.data["tls.key"]!, as: UTF8.self))
        #expect(scratch.lines("reloads.log") == ["reload"])
    }

    @Test func absentSecretOrMissingKeysKeepTheCurrentFiles() async throws {
        let target = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        let syncer = makeSyncer(target, scratch)
        let first = PKI.secretData()
        _ = await syncer.apply(.present(SecretSnapshot(data: first.data)))
        let before = try AtomicDirectoryWriter(directory: target.path).read()

        guard case .kept = await syncer.apply(.absent) else { Issue.record("absent must keep files"); return }
        var partial = PKI.secretData().data
        partial["tls.key"] = nil
        guard case .kept = await syncer.apply(.present(SecretSnapshot(data: partial))) else {
            Issue.record("missing keys must keep files")
            return
        }
        guard case .kept = await syncer.apply(.interrupted(reason: "connection refused")) else {
            Issue.record("interruptions must keep files")
            return
        }
        #expect(try AtomicDirectoryWriter(directory: target.path).read() == before)
        #expect(scratch.lines("reloads.log").isEmpty)
    }

    @Test func failedReloadIsRetriedWithTheNextUpdate() async throws {
        let target = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        // The consumer is "down" until `up` exists.
        let command = "test -e '\(scratch.file("up"))' && echo reload >> '\(scratch.file("reloads.log"))'"
        let syncer = makeSyncer(target, scratch, reloadCommand: command)
        _ = await syncer.apply(.present(SecretSnapshot(data: PKI.secretData().data)))
        let changed = PKI.secretData().data
        guard case .updated(_, .failed(.commandFailed(_, 1))?) = await syncer.apply(.present(SecretSnapshot(data: changed)))
        else { Issue.record("expected a failed reload"); return }

        _ = FileManager.default.createFile(atPath: scratch.file("up"), contents: nil)
        guard case .updated(_, .succeeded?) = await syncer.apply(.present(SecretSnapshot(data: changed))) else {
            Issue.record("the pending reload must be retried with the next (unchanged) update")
            return
        }
        #expect(await syncer.apply(.present(SecretSnapshot(data: changed))) == .unchanged)
        #expect(scratch.lines("reloads.log") == ["reload"])
    }

    @Test func runFollowsTheSourceUntilItEnds() async throws {
        let target = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        let source = ScriptedSource()
        let syncer = makeSyncer(target, scratch, source: source)
        let outcomes = Collected<SecretSyncer.Outcome>()
        let first = PKI.secretData()
        let second = PKI.secretData()
        source.send(.absent)
        source.send(.present(SecretSnapshot(data: first.data)))
        source.send(.present(SecretSnapshot(data: first.data)))
        source.send(.present(SecretSnapshot(data: second.data)))
        source.finish()
        await syncer.run(onOutcome: outcomes.append)

        let all = outcomes.all
        #expect(all.count == 4)
        guard all.count == 4, case .kept = all[0], case .updated(_, nil) = all[1], all[2] == .unchanged,
            case .updated(_, .succeeded?) = all[3]
        else { Issue.record("unexpected outcomes \(all)"); return }
        #expect(target.read("cert.pem")?.isEmpty == false)
        #expect(scratch.lines("reloads.log") == ["reload"])
    }
}
