import ArgumentParser
import Foundation
import KeywardTestSupport
@testable import KeywardCommands
import KeywardPKI
import Testing

/// The command tree as users type it: flag spellings from other operators, version, completion.
@Suite struct CommandLineTests {
    /// cert-manager and controller-runtime users type these; they set the same options as Keyward's own names.
    @Test func controllerAcceptsControllerRuntimeAndCertManagerSpellings() throws {
        let aliases = try #require(try KeywardCommand.parseAsRoot(
            ["controller", "--leader-election-namespace", "ops", "--metrics-bind-address", "127.0.0.1:9999", "--leader-elect"])
            as? ControllerCommand)
        #expect(aliases.leaseNamespace == "ops")
        #expect(aliases.metricsAddress == "127.0.0.1:9999")
        #expect(aliases.leaderElect)
        let certManager = try #require(try KeywardCommand.parseAsRoot(["controller", "--metrics-listen-address", ":9402"])
            as? ControllerCommand)
        #expect(certManager.metricsAddress == ":9402")
        let native = try #require(try KeywardCommand.parseAsRoot(["controller", "--lease-namespace", "kw", "--metrics-address", ":1"])
            as? ControllerCommand)
        #expect(native.leaseNamespace == "kw" && native.metricsAddress == ":1")
    }

    /// `-n` names the namespace wherever a command takes one.
    @Test func shortNamespaceFlagEverywhere() throws {
        let controller = try #require(try KeywardCommand.parseAsRoot(["controller", "-n", "team"]) as? ControllerCommand)
        #expect(controller.namespace == "team")
        let sync = try #require(try KeywardCommand.parseAsRoot(["sync", "--secret", "web-tls", "--dir", "/tmp/x", "-n", "team"]) as? SyncCommand)
        #expect(sync.namespace == "team")
        let renew = try #require(try KeywardCommand.parseAsRoot(["renew", "web", "-n", "team"]) as? RenewCommand)
        #expect(renew.target.namespace == "team")
        let inspect = try #require(try KeywardCommand.parseAsRoot(["inspect", "secret", "web-tls", "-n", "team"]) as? InspectSecretCommand)
        #expect(inspect.target.namespace == "team")
        // status certificate: the parent takes -n (wherever it is written) and hands it down.
        let status = try KeywardCommand.parseAsRoot(["status", "certificate", "web", "-n", "team"])
        #expect(status is CertificateStatusCommand)
        #expect((status as? CertificateStatusCommand)?.status.namespace == "team")
        let table = try #require(try KeywardCommand.parseAsRoot(["status", "-A"]) as? StatusCommand)
        #expect(table.allNamespaces && table.namespace == nil)
    }

    @Test func versionPrintsBuildInformation() async throws {
        let text = try await ExternalTool.run(try keywardExecutable(), ["version"])
        #expect(text.status == 0 && text.stdout.hasPrefix("keyward \(KeywardVersion.current) (Swift "), "\(text)")
        let json = try await ExternalTool.run(try keywardExecutable(), ["version", "-o", "json"])
        let info = try JSONDecoder().decode(VersionCommand.BuildInfo.self, from: Data(json.stdout.utf8))
        #expect(info == VersionCommand.buildInfo)
        #expect(info.configuration == "debug" && !info.swiftCompiler.isEmpty && info.architecture != "unknown")
        let flag = try await ExternalTool.run(try keywardExecutable(), ["--version"])
        #expect(flag.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == KeywardVersion.current)
    }

    /// swift-argument-parser's completion scripts know every subcommand, including the new ones.
    @Test func completionScriptsForEveryShell() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try await ExternalTool.run(try keywardExecutable(), ["--generate-completion-script", shell])
            #expect(script.status == 0, "\(shell): \(script)")
            for command in ["inspect", "verify", "status", "certificate", "convert", "version"] {
                #expect(script.stdout.contains(command), "\(shell) completion lacks \(command)")
            }
        }
        let bash = try await ExternalTool.run(try keywardExecutable(), ["--generate-completion-script", "bash"])
        let syntax = try await ExternalTool.run("/bin/bash", ["-n", "-c", bash.stdout])
        #expect(syntax.status == 0, "bash parses the script: \(syntax)")
    }

    /// Colour only on a terminal (a pty from script(1)), never with NO_COLOR set, never into a pipe or file.
    @Test func colourOnlyOnTerminalsWithoutNoColor() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-colour")
        let key = try PrivateKey.generate(.ecdsaP256)
        let issued = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "colour.test", dnsNames: ["colour.test"]),
                                                 subjectKey: key, now: Date())
        let file = try directory.write("cert.pem", issued.certificatePEM)
        let command = "'\(try keywardExecutable())' inspect '\(file)'"
        let escape = "\u{1B}["
        let terminal = try await ExternalTool.run("/usr/bin/env", ["-u", "NO_COLOR", "script", "-qec", command, "/dev/null"])
        #expect(terminal.status == 0 && terminal.stdout.contains(escape + "32mvalid"), "\(terminal)")
        let noColor = try await ExternalTool.run("/usr/bin/env", ["NO_COLOR=1", "script", "-qec", command, "/dev/null"])
        #expect(noColor.status == 0 && noColor.stdout.contains("valid") && !noColor.stdout.contains(escape), "\(noColor)")
        let piped = try await ExternalTool.run(try keywardExecutable(), ["inspect", file])
        #expect(!piped.stdout.contains(escape), "no colour into a file")
    }
}
