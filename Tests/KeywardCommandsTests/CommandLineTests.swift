import ArgumentParser
import Foundation
@testable import KeywardCommands
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
}
