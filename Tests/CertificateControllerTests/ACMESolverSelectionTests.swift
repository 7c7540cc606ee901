@testable import CertificateController
import KeywardAPI
import Testing

/// Solver selection per name (cert-manager's rules) and the pending-state layout the HTTP-01 listener reads.
@Suite("ACME solver selection and pending state")
struct ACMESolverSelectionTests {
    typealias Solver = IssuerSpec.ACME.Solver
    static let http = IssuerSpec.ACME.HTTP01(ingress: .init(ingressClassName: "nginx"))
    static let dns = IssuerSpec.ACME.DNS01(rfc2136: .init(nameserver: "127.0.0.1:53"))

    @Test("dnsNames beats the longest dnsZones match, which beats a solver without selector")
    func precedence() {
        let solvers = [
            Solver(http01: Self.http),                                                     // 0: default
            Solver(selector: .init(dnsZones: ["example.com"]), dns01: Self.dns),           // 1
            Solver(selector: .init(dnsZones: ["shop.example.com"]), http01: Self.http),    // 2: longer zone
            Solver(selector: .init(dnsNames: ["www.shop.example.com"]), dns01: Self.dns),  // 3: exact name
        ]
        #expect(ACMESolverSelection.solverIndex(for: "www.shop.example.com", in: solvers) == 3)
        #expect(ACMESolverSelection.solverIndex(for: "api.shop.example.com", in: solvers) == 2)
        #expect(ACMESolverSelection.solverIndex(for: "shop.example.com", in: solvers) == 2)
        #expect(ACMESolverSelection.solverIndex(for: "a.example.com", in: solvers) == 1)
        #expect(ACMESolverSelection.solverIndex(for: "EXAMPLE.com.", in: solvers) == 1)
        #expect(ACMESolverSelection.solverIndex(for: "other.org", in: solvers) == 0)
        // "notexample.com" is not below "example.com".
        #expect(ACMESolverSelection.solverIndex(for: "notexample.com", in: solvers) == 0)
    }

    @Test("a wildcard needs DNS-01: HTTP-01 entries are skipped, and without a DNS-01 entry there is none")
    func wildcard() {
        let onlyHTTP = [Solver(http01: Self.http)]
        #expect(ACMESolverSelection.solverIndex(for: "*.example.com", in: onlyHTTP) == nil)
        let mixed = [Solver(selector: .init(dnsZones: ["example.com"]), http01: Self.http), Solver(dns01: Self.dns)]
        #expect(ACMESolverSelection.solverIndex(for: "*.example.com", in: mixed) == 1)
        #expect(ACMESolverSelection.solverIndex(for: "a.example.com", in: mixed) == 0)
        let named = [Solver(dns01: Self.dns), Solver(selector: .init(dnsNames: ["*.example.com"]), dns01: Self.dns)]
        #expect(ACMESolverSelection.solverIndex(for: "*.example.com", in: named) == 1)
    }

    @Test("no solver without selector and no match: none")
    func noMatch() {
        let solvers = [Solver(selector: .init(dnsZones: ["example.com"]), http01: Self.http)]
        #expect(ACMESolverSelection.solverIndex(for: "example.org", in: solvers) == nil)
    }

    @Test("pending state round-trips the authorizations and exposes HTTP-01 key authorizations until final")
    func pendingState() {
        var state = ACMEPendingState()
        state.order = "https://ca/order/1"
        let presented = ACMEPendingState.Authorization(
            url: "https://ca/authz/1", dnsName: "a.example.com", challengeURL: "https://ca/chal/1", type: .http01,
            token: "tok1", keyAuthorization: "tok1.thumb", solverIndex: 0, step: .presented, selfCheckSince: nil)
        var dnsAuthz = presented
        dnsAuthz.url = "https://ca/authz/2"
        dnsAuthz.dnsName = "*.example.com"
        dnsAuthz.type = .dns01
        dnsAuthz.token = "tok2"
        dnsAuthz.keyAuthorization = "tok2.thumb"
        state.authorizations = [presented, dnsAuthz]
        #expect(ACMEPendingState(state.values).authorizations == [presented, dnsAuthz])
        #expect(ACMEPendingState.http01KeyAuthorization(token: "tok1", in: state.values) == "tok1.thumb")
        #expect(ACMEPendingState.http01KeyAuthorization(token: "tok2", in: state.values) == nil)  // DNS-01
        var done = presented
        done.step = .valid
        state.authorizations = [done, dnsAuthz]
        #expect(ACMEPendingState.http01KeyAuthorization(token: "tok1", in: state.values) == nil)
        #expect(state.order == "https://ca/order/1")
        #expect(dnsAuthz.task.dns01RecordName == "_acme-challenge.example.com")
        // RFC 8555 §8.4 example shape: 43 base64url characters, no padding.
        #expect(dnsAuthz.task.dns01RecordValue.count == 43 && !dnsAuthz.task.dns01RecordValue.contains("="))
    }
}
