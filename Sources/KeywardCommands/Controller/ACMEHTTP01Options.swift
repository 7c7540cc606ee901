import ArgumentParser
import CertificateController
import ControllerRuntime
import Foundation

/// `keyward controller`'s ACME HTTP-01 settings: every replica's challenge listener, the Service routes send the
/// challenge path to, and how the self-check reaches a name.
struct ACMEHTTP01Options: ParsableArguments {
    @Option(name: .customLong("acme-http01-address"), help: ArgumentHelp(
        "Where every replica serves ACME HTTP-01 challenges (GET /.well-known/acme-challenge/TOKEN, from the cache): host:port or :port; 0 serves none.",
        valueName: "address"))
    var address = ACMEChallengeServer.defaultAddress

    @Option(name: .customLong("acme-http01-service"), help: ArgumentHelp(
        "The Service in front of the replicas' challenge listeners that HTTP-01 Ingresses and HTTPRoutes route to (in $POD_NAMESPACE; port from --acme-http01-address).",
        valueName: "name"))
    var service = "keyward-acme-http01"

    @OptionGroup var selfCheck: ACMEHTTP01SelfCheckOptions

    func validate() throws { _ = try listenAddress() }

    /// nil for "0".
    func listenAddress() throws -> MetricsAddress? {
        if address.trimmingCharacters(in: .whitespaces) == "0" { return nil }
        do { return try ACMEChallengeServer.parse(address, option: "--acme-http01-address") } catch {
            throw ValidationError("\(error)")
        }
    }

    func apply(to assembly: inout OperatorAssembly, environment: [String: String]) throws {
        let listen = try listenAddress()
        assembly.acmeHTTP01Address = listen
        assembly.acmeHTTP01Backend = HTTP01ServiceBackend(
            name: service, namespace: environment["POD_NAMESPACE"],
            port: listen.map { $0.port == 0 ? 8089 : $0.port } ?? 8089)
        assembly.acmeHTTP01SelfCheck = try selfCheck.selfCheck()
    }
}
