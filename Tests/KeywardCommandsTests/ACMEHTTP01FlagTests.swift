import ArgumentParser
import CertificateController
import ControllerRuntime
import Foundation
@testable import KeywardCommands
import KubernetesClient
import Testing

/// `keyward controller --acme-http01-address / --acme-http01-service / --acme-http01-self-check-*`: what they parse to,
/// what they refuse (naming the flag), and that the listener is registered as a service of every replica.
@Suite struct ACMEHTTP01FlagTests {
    func parse(_ arguments: [String]) throws -> ControllerCommand {
        try #require(try KeywardCommand.parseAsRoot(["controller"] + arguments) as? ControllerCommand)
    }

    func assembly() -> OperatorAssembly {
        OperatorAssembly(client: KubernetesClient(configuration: ClientConfiguration(server: URL(string: "https://127.0.0.1:1")!)))
    }

    @Test func defaultsListenOn8089AndRegisterTheListener() async throws {
        let command = try parse([])
        var assembly = assembly()
        try command.acmeHTTP01.apply(to: &assembly, environment: ["POD_NAMESPACE": "keyward"])
        #expect(assembly.acmeHTTP01Address == MetricsAddress(host: "0.0.0.0", port: 8089))
        #expect(assembly.acmeHTTP01Backend == HTTP01ServiceBackend(name: "keyward-acme-http01", namespace: "keyward", port: 8089))
        #expect(assembly.acmeHTTP01SelfCheck.port == 80 && assembly.acmeHTTP01SelfCheck.connectTo.isEmpty)
        let built = await assembly.build(elector: nil, health: nil)
        #expect(built.services.map(\.name).contains("ACME HTTP-01 listener"))
    }

    @Test func zeroTurnsTheListenerOffAndFlagsAimTheSelfCheck() async throws {
        let command = try parse(["--acme-http01-address", "0", "--acme-http01-service", "acme",
                                 "--acme-http01-self-check-port", "5002",
                                 "--acme-http01-self-check-connect-to", ":5002:127.0.0.1:5002"])
        var assembly = assembly()
        try command.acmeHTTP01.apply(to: &assembly, environment: [:])
        #expect(assembly.acmeHTTP01Address == nil)
        #expect(assembly.acmeHTTP01Backend.name == "acme")
        #expect(assembly.acmeHTTP01SelfCheck.port == 5002)
        #expect(assembly.acmeHTTP01SelfCheck.connectTo == [HTTP01ConnectTo(host: "", port: 5002, targetHost: "127.0.0.1", targetPort: 5002)])
        let built = await assembly.build(elector: nil, health: nil)
        #expect(!built.services.map(\.name).contains("ACME HTTP-01 listener"))
    }

    @Test(arguments: [
        (["--acme-http01-address", "nope"], "--acme-http01-address"),
        (["--acme-http01-address", ":99999"], "--acme-http01-address"),
        (["--acme-http01-self-check-port", "0"], "--acme-http01-self-check-port"),
        (["--acme-http01-self-check-connect-to", "a:b"], "--acme-http01-self-check-connect-to"),
    ])
    func badValuesNameTheFlag(arguments: [String], flag: String) throws {
        #expect {
            _ = try KeywardCommand.parseAsRoot(["controller"] + arguments)
        } throws: { error in
            KeywardCommand.message(for: error).contains(flag)
        }
    }
}
