import ArgumentParser
import Foundation
import KeywardCore
@testable import KeywardCommands
import Testing

/// `keyward controller --egress-deny-cidr / --egress-allow-cidr / --verify-job-service-accounts`.
@Suite struct EgressFlagTests {
    func parse(_ arguments: [String]) throws -> ControllerCommand {
        try #require(try KeywardCommand.parseAsRoot(["controller"] + arguments) as? ControllerCommand)
    }

    @Test func flagsBuildThePolicyWithThePodsOwnAddressDenied() throws {
        let command = try parse(["--egress-deny-cidr", "10.0.0.0/8", "--egress-deny-cidr", "fd00::/8",
                                 "--egress-allow-cidr", "127.0.0.1/32", "--egress-allow-cidr", "10.96.0.10",
                                 "--verify-job-service-accounts", "team-a/verifier,*/checker"])
        let policy = try command.egress.policy(environment: ["POD_IP": "10.244.0.5"])
        func allows(_ text: String) throws -> Bool { policy.allows(try #require(IPAddress(text))) }
        #expect(try allows("127.0.0.1") && allows("10.96.0.10") && allows("192.0.2.1"))
        #expect(try !allows("127.0.0.2") && !allows("10.1.2.3") && !allows("fd00::1") && !allows("169.254.169.254"))
        #expect(try !allows("10.244.0.5"))
        #expect(command.verifyJobServiceAccountEntries == ["team-a/verifier", "*/checker"])
    }

    /// `keyward run` (standalone) takes the same flags; loopback is denied there too unless allowed.
    @Test func standaloneRunTakesTheSameFlags() throws {
        let run = try #require(try KeywardCommand.parseAsRoot(
            ["run", "--manifests", "m", "--state", "s", "--out", "o", "--egress-allow-cidr", "127.0.0.1/32"]) as? RunCommand)
        let policy = try run.egress.policy(environment: [:])
        #expect(policy.allows(try #require(IPAddress("127.0.0.1"))))
        #expect(!policy.allows(try #require(IPAddress("127.0.0.2"))))
        #expect(throws: (any Error).self) {
            try KeywardCommand.parseAsRoot(["run", "--manifests", "m", "--state", "s", "--out", "o", "--egress-deny-cidr", "x"])
        }
    }

    @Test(arguments: [
        (["--egress-deny-cidr", "10.0.0.0/33"], "--egress-deny-cidr"),
        (["--egress-allow-cidr", "metadata.google.internal"], "--egress-allow-cidr"),
        (["--verify-job-service-accounts", "verifier"], "--verify-job-service-accounts"),
        (["--verify-job-service-accounts", "Team/x"], "--verify-job-service-accounts"),
    ])
    func badValuesAreRefusedNamingTheFlag(arguments: [String], flag: String) {
        do {
            _ = try parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(KeywardCommand.message(for: error).contains(flag), "\(KeywardCommand.message(for: error))")
        }
    }
}
