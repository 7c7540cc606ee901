import Foundation
import KeywardTestSupport
import KeywardCore
import Testing

/// `keyward-apiserver` as a process: flags, kubeconfig output, serving until SIGTERM.
@Suite struct ExecutableTests {
    struct NotBuilt: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is missing; build it with `swift build --product keyward-apiserver`" }
    }

    private func binary() throws -> String {
        let path = repositoryRoot().appendingPathComponent(".build/debug/keyward-apiserver").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw NotBuilt(path: path) }
        return path
    }

    @Test func helpDescribesTheFlags() async throws {
        let directory = FileManager.default.temporaryDirectory
        let result = try await ExternalTool.run(try binary(), ["--help"], in: directory)
        let help = String(decoding: result.stdout, as: UTF8.self)
        #expect(result.exitCode == 0)
        for flag in ["--port", "--listen", "--crds", "--kubeconfig", "--token", "--rollout", "--http1-only"] {
            #expect(help.contains(flag), "\(flag) missing from --help")
        }
    }

    @Test("a taken port is one error line naming the address and --listen, and exit status 1")
    func busyPortFailsLoudly() async throws {
        let taken = try SilentListener()
        let process = try ChildProcess(try binary(), ["--listen", taken.address, "--crds",
                                                      repositoryRoot().appendingPathComponent("crds").path])
        let status = await process.exitStatus(within: 10)
        #expect(status == 1, "still running or wrong status; stderr:\n\(process.stderr)")
        #expect(process.stderr.contains(taken.address) && process.stderr.contains("--listen"), "\(process.stderr)")
        #expect(process.stderr.split(separator: "\n").count == 1, "one line: \(process.stderr)")
    }

    /// HTTP/2 through ALPN by default, as kube-apiserver; `--http1-only` turns it off.
    @Test(arguments: [false, true])
    func servesUntilSIGTERM(http1Only: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kas-exe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = ["--port", "0", "--crds", repositoryRoot().appendingPathComponent("crds").path,
                             "--kubeconfig", kubeconfig.path, "--token", "exe-token"] + (http1Only ? ["--http1-only"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runSerialized()
        defer { if process.isRunning { process.terminate() } }

        // Bounded wait for the kubeconfig the server writes once it listens.
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: kubeconfig.path) && Date() < deadline && process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        let text = try String(contentsOf: kubeconfig, encoding: .utf8)
        #expect(text.contains("token: exe-token"))
        let server = try #require(text.split(separator: "\n").first { $0.contains("server: https://127.0.0.1:") })
            .split(separator: " ").last.map(String.init)
        let caLine = try #require(text.split(separator: "\n").first { $0.contains("certificate-authority-data:") })
        let ca = Data(base64Encoded: String(caLine.split(separator: " ").last ?? "")) ?? Data()
        let caFile = directory.appendingPathComponent("ca.pem")
        try ca.write(to: caFile)

        let response = try await Curl.run(["-sS", "--cacert", caFile.path, "-H", "Authorization: Bearer exe-token",
                                           (server ?? "") + "/apis/keyward.dev/v1alpha1/namespaces/default/certificates"],
                                          in: directory)
        #expect(response.exitCode == 0)
        #expect((try? JSONValue.parse(response.stdout))?["kind"] == "CertificateList")
        let version = try await Curl.run(["-sS", "--cacert", caFile.path, "-o", "/dev/null", "-w", "%{http_version}",
                                          (server ?? "") + "/version"], in: directory)
        #expect(String(decoding: version.stdout, as: UTF8.self) == (http1Only ? "1.1" : "2"))

        process.terminate()  // SIGTERM
        let stopDeadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < stopDeadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}
