import Foundation
import KeywardTestSupport
import Testing

/// What a new user sees from `keyward run --once` over the example: a summary line that says whether anything
/// changed, hooks that say they ran, state files only the owner reads, and `keyward status` without flags.
@Suite("Standalone run: summary, hooks, state modes")
struct StandaloneRunSummaryTests {
    private let examples = ExternalTool.repositoryRoot.appendingPathComponent("examples/standalone").path

    private func runOnce(_ directory: TemporaryDirectory) async throws -> ChildProcess {
        let process = try ChildProcess(try keywardExecutable(), [
            "run", "--once", "--manifests", examples, "--state", directory.path(".keyward/state"), "--out", directory.path("out")])
        let status = await process.exitStatus(within: 180)
        #expect(status == 0, "stdout:\n\(process.stdout)\nstderr:\n\(process.stderr)")
        return process
    }

    private func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test("a second run --once says it changed nothing; the onChange hook's run, exit code and output are logged; state files are 0600; status defaults to .keyward/state")
    func summaryHooksModesAndStatusDefault() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-run-summary")
        let first = try await runOnce(directory)
        let firstSummary = lastLine(first.stdout)
        #expect(firstSummary.hasPrefix("3 objects, 3 changed, ") && firstSummary.hasSuffix(" writes"), "\(first.stdout)")
        // The example's hook is `/bin/echo app-credentials rotated`.
        let hookLine = first.stderr.split(separator: "\n").first { $0.contains("onChange hook ran") }.map(String.init) ?? ""
        #expect(hookLine.contains("exitCode=0") || hookLine.contains("\"exitCode\":\"0\""), "\(first.stderr)")
        #expect(hookLine.contains("app-credentials rotated"), "\(first.stderr)")

        let second = try await runOnce(directory)
        #expect(lastLine(second.stdout) == "3 objects, 0 changed, 0 writes", "\(second.stdout)")
        #expect(!second.stderr.contains("onChange hook ran"), "nothing changed, so no hook runs: \(second.stderr)")

        // Every state file, events.log included, is readable by its owner only.
        let state = directory.path(".keyward/state")
        let files = FileManager.default.enumerator(atPath: state)?.compactMap { $0 as? String } ?? []
        var checked = 0
        for file in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(state)/\(file)")
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
            checked += 1
        }
        #expect(files.contains("events.log") && checked > 3, "\(files)")

        // `keyward status` in the folder run-example.sh uses needs no --state.
        let status = try ChildProcess(try keywardExecutable(), ["status"], currentDirectory: directory.url.path)
        #expect(await status.exitStatus(within: 60) == 0, "\(status.stderr)")
        #expect(status.stdout.contains("web") && status.stdout.contains("app-credentials"), "\(status.stdout)")
    }
}
