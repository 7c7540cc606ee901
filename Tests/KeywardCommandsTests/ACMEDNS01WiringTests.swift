import CertificateController
import ControllerRuntime
import Foundation
@testable import KeywardCommands
import KubernetesClient
import Testing

/// The controller registers the RFC 2136 DNS-01 solver next to HTTP-01.
@Suite struct ACMEDNS01WiringTests {
    func assembly() -> OperatorAssembly {
        OperatorAssembly(client: KubernetesClient(configuration: ClientConfiguration(server: URL(string: "https://127.0.0.1:1")!)))
    }

    @Test func theControllerHasBothSolvers() {
        let solvers = assembly().certificateOptions.acme.solvers
        #expect(solvers[.dns01] is RFC2136Solver)
        #expect(solvers[.http01] is HTTP01Solver)
    }
}
