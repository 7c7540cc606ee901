import Foundation
import KeywardAPI
import KubernetesClient
import Testing

/// The `acme` issuer spec: decoding from what users write, and validation naming the field.
@Suite("ACME issuer spec")
struct ACMEIssuerSpecTests {
    typealias ACME = IssuerSpec.ACME

    static func valid() -> ACME {
        ACME(server: "https://acme-staging-v02.api.letsencrypt.org/directory", email: "ops@example.com",
             privateKeySecretRef: .init(name: "le-account"),
             solvers: [.init(http01: .init(ingress: .init(ingressClassName: "nginx")))])
    }

    @Test("a minimal acme issuer decodes from YAML-shaped JSON and is valid, with kind acme")
    func decodes() throws {
        let json = """
        {"acme": {"server": "https://acme.example/dir", "privateKeySecretRef": {"name": "acct"},
          "solvers": [{"selector": {"dnsZones": ["example.com"]}, "dns01": {"rfc2136": {"nameserver": "10.0.0.53",
            "tsigKeyName": "k", "tsigSecretSecretRef": {"name": "tsig"}}}}, {"http01": {"webroot": "/srv/www"}}]}}
        """
        let spec = try JSONDecoder().decode(IssuerSpec.self, from: Data(json.utf8))
        #expect(spec.validate() == [])
        guard case .acme(let acme)? = spec.kind else {
            Issue.record("kind is \(String(describing: spec.kind))")
            return
        }
        #expect(acme.solvers.count == 2)
        #expect(acme.solvers[0].dns01?.rfc2136?.tsigSecretSecretRef?.name == "tsig")
        #expect(acme.solvers[1].http01?.webroot == "/srv/www")
    }

    /// Each mutation applied to a valid spec, with the field its violation must name.
    static func mutated(_ cases: [((inout ACME) -> Void, String)]) -> [(ACME, String)] {
        cases.map { mutate, field in
            var acme = valid()
            mutate(&acme)
            return (acme, field)
        }
    }

    @Test("exactly one of selfSigned, ca or acme")
    func exactlyOne() {
        let both = IssuerSpec(ca: .init(secretName: "x"), acme: Self.valid())
        #expect(both.kind == nil)
        #expect(both.validate().map(\.field) == ["spec"])
        #expect(IssuerSpec().validate().first?.reason.contains("acme") == true)
        #expect(IssuerSpec(acme: Self.valid()).validate() == [])
    }

    @Test("each bad field is named", arguments: Self.mutated([
        ({ (a: inout ACME) in a.server = "" }, "spec.acme.server"),
        ({ (a: inout ACME) in a.server = "http://acme.example/dir" }, "spec.acme.server"),
        ({ (a: inout ACME) in a.email = "not-an-address" }, "spec.acme.email"),
        ({ (a: inout ACME) in a.privateKeySecretRef = .init(name: "") }, "spec.acme.privateKeySecretRef.name"),
        ({ (a: inout ACME) in a.privateKeySecretRef = .init(name: "Bad_Name") }, "spec.acme.privateKeySecretRef.name"),
        ({ (a: inout ACME) in a.privateKeySecretRef = .init(name: "ok", key: "a/b") }, "spec.acme.privateKeySecretRef.key"),
        ({ (a: inout ACME) in a.caBundle = "not pem" }, "spec.acme.caBundle"),
        ({ (a: inout ACME) in a.externalAccountBinding = .init(keyID: "", keySecretRef: .init(name: "eab")) },
         "spec.acme.externalAccountBinding.keyID"),
        ({ (a: inout ACME) in a.externalAccountBinding = .init(keyID: "k", keySecretRef: .init(name: "eab"), keyAlgorithm: "HS512") },
         "spec.acme.externalAccountBinding.keyAlgorithm"),
        ({ (a: inout ACME) in a.profile = "" }, "spec.acme.profile"),
        ({ (a: inout ACME) in a.solvers = [] }, "spec.acme.solvers"),
        ({ (a: inout ACME) in a.solvers = [.init()] }, "spec.acme.solvers[0]"),
        ({ (a: inout ACME) in a.solvers = [.init(http01: .init())] }, "spec.acme.solvers[0].http01"),
        ({ (a: inout ACME) in a.solvers = [.init(http01: .init(ingress: .init()))] }, "spec.acme.solvers[0].http01.ingress"),
        ({ (a: inout ACME) in a.solvers = [.init(http01: .init(gatewayHTTPRoute: .init()))] },
         "spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs"),
        ({ (a: inout ACME) in a.solvers = [.init(http01: .init(webroot: "relative/dir"))] }, "spec.acme.solvers[0].http01.webroot"),
        ({ (a: inout ACME) in a.solvers = [.init(http01: .init(webroot: "/srv/../etc"))] }, "spec.acme.solvers[0].http01.webroot"),
        ({ (a: inout ACME) in a.solvers = [.init(dns01: .init())] }, "spec.acme.solvers[0].dns01"),
        ({ (a: inout ACME) in a.solvers = [.init(dns01: .init(rfc2136: .init(nameserver: "ns", tsigKeyName: "k")))] },
         "spec.acme.solvers[0].dns01.rfc2136.tsigSecretSecretRef"),
        ({ (a: inout ACME) in a.solvers = [.init(dns01: .init(rfc2136: .init(nameserver: "ns", tsigAlgorithm: "HMACMD5")))] },
         "spec.acme.solvers[0].dns01.rfc2136.tsigAlgorithm"),
        ({ (a: inout ACME) in a.solvers[0].selector = .init(dnsZones: ["*.example.com"]) }, "spec.acme.solvers[0].selector.dnsZones[0]"),
        ({ (a: inout ACME) in a.solvers[0].selector = .init(dnsNames: ["bad name"]) }, "spec.acme.solvers[0].selector.dnsNames[0]"),
    ]))
    func namesField(_ acme: ACME, field: String) {
        let violations = IssuerSpec(acme: acme).validate()
        #expect(violations.map(\.field).contains(field), "\(violations)")
    }
}
