import ArgumentParser
import CertificateController

/// How the ACME HTTP-01 self-check reaches a name before the CA is asked to (`keyward controller` and `keyward run`).
struct ACMEHTTP01SelfCheckOptions: ParsableArguments {
    @Option(name: .customLong("acme-http01-self-check-port"), help: ArgumentHelp(
        "Port the HTTP-01 self-check fetches http://NAME:PORT/.well-known/acme-challenge/TOKEN on (the CA uses 80; a test CA may use another).",
        valueName: "port"))
    var port: Int = 80

    @Option(name: .customLong("acme-http01-self-check-connect-to"), help: ArgumentHelp(
        "Connect the HTTP-01 self-check for HOST1:PORT1 to HOST2:PORT2 instead (curl's --connect-to; empty HOST1 matches every name; repeatable): split-horizon DNS.",
        valueName: "HOST1:PORT1:HOST2:PORT2"))
    var connectTo: [String] = []

    func validate() throws { _ = try selfCheck() }

    func selfCheck() throws -> HTTP01SelfCheck {
        guard (1...65_535).contains(port) else { throw ValidationError("--acme-http01-self-check-port: must be 1-65535") }
        let rules = try connectTo.map { text in
            guard let rule = HTTP01ConnectTo(parsing: text) else {
                throw ValidationError("--acme-http01-self-check-connect-to \(text): expected HOST1:PORT1:HOST2:PORT2")
            }
            return rule
        }
        return HTTP01SelfCheck(port: port, connectTo: rules)
    }
}
