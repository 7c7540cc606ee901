import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Testing

/// One invalid variation of a valid spec and the one field it must be blamed on.
struct CertificateCase: CustomTestStringConvertible, Sendable {
    var name: String
    var field: String
    var mutate: @Sendable (inout Certificate.Spec) -> Void
    var testDescription: String { name }
}

@Suite("Certificate validation")
struct CertificateValidationTests {
    static let invalid: [CertificateCase] = [
        .init(name: "missing secretName", field: "spec.secretName") { $0.secretName = "" },
        .init(name: "secretName not a DNS-1123 subdomain", field: "spec.secretName") { $0.secretName = "Web_TLS" },
        .init(name: "commonName longer than 64", field: "spec.commonName") {
            $0.commonName = String(repeating: "a", count: 65)
        },
        .init(name: "more dnsNames than the CRD's maxItems", field: "spec.dnsNames") {
            $0.dnsNames = (0...Certificate.Spec.maximumNamesPerList).map { "host\($0).example.com" }
        },
        .init(name: "more ipAddresses than the CRD's maxItems", field: "spec.ipAddresses") {
            $0.ipAddresses = Array(repeating: "10.0.0.1", count: 100_000)
        },
        .init(name: "dnsName with an empty label", field: "spec.dnsNames[1]") {
            $0.dnsNames = ["web.example.com", "web..example.com"]
        },
        .init(name: "wildcard not in the leftmost label", field: "spec.dnsNames[0]") {
            $0.dnsNames = ["www.*.example.com"]
        },
        .init(name: "wildcard over a single label", field: "spec.dnsNames[0]") { $0.dnsNames = ["*.com"] },
        .init(name: "dnsName with an underscore", field: "spec.dnsNames[0]") { $0.dnsNames = ["my_host.example.com"] },
        .init(name: "invalid IPv4 address", field: "spec.ipAddresses[0]") { $0.ipAddresses = ["10.0.0.300"] },
        .init(name: "IP with a prefix length", field: "spec.ipAddresses[1]") { $0.ipAddresses = ["::1", "10.0.0.0/8"] },
        .init(name: "URI without a scheme", field: "spec.uris[0]") { $0.uris = ["not a uri"] },
        // Where this module's old copy of the URI rules and KeywardPKI's disagreed: one definition now decides.
        .init(name: "URI with nothing after the scheme", field: "spec.uris[0]") { $0.uris = ["urn:"] },
        .init(name: "URI with a character RFC 3986 excludes", field: "spec.uris[0]") {
            $0.uris = ["https://example.com/{id}"]
        },
        .init(name: "URI with an authority but no host", field: "spec.uris[0]") { $0.uris = ["file:///etc/hosts"] },
        .init(name: "CRL URL with a broken escape", field: "spec.crlDistributionPoints[0]") {
            $0.crlDistributionPoints = ["http://crl.example.com/%zz"]
        },
        .init(name: "email without @", field: "spec.emailAddresses[0]") { $0.emailAddresses = ["ops.example.com"] },
        .init(name: "no names at all for a leaf", field: "spec.dnsNames") { $0.dnsNames = [] },
        .init(name: "CA without a subject", field: "spec.commonName") { $0.isCA = true; $0.dnsNames = [] },
        .init(name: "country not ISO 3166", field: "spec.subject.countries[0]") {
            $0.subject = Certificate.Subject(countries: ["Germany"])
        },
        .init(name: "unparseable duration", field: "spec.duration") { $0.duration = "90d" },
        .init(name: "duration below one hour", field: "spec.duration") { $0.duration = "30m" },
        .init(name: "renewBefore equal to duration", field: "spec.renewBefore") { $0.renewBefore = "2160h" },
        .init(name: "renewBefore longer than duration", field: "spec.renewBefore") {
            $0.duration = "24h"; $0.renewBefore = "48h"
        },
        .init(name: "renewBefore zero", field: "spec.renewBefore") { $0.renewBefore = "0s" },
        .init(name: "renewBefore negative", field: "spec.renewBefore") { $0.renewBefore = "-1h" },
        .init(name: "unknown usage", field: "spec.usages[1]") { $0.usages = ["server auth", "web auth"] },
        .init(name: "maxPathLength without isCA", field: "spec.maxPathLength") { $0.maxPathLength = 0 },
        .init(name: "unknown key algorithm", field: "spec.privateKey.algorithm") { $0.privateKey.algorithm = "DSA" },
        .init(name: "RSA size not 2048/3072/4096", field: "spec.privateKey.size") {
            $0.privateKey = Certificate.PrivateKey(algorithm: .rsa, size: 1024)
        },
        .init(name: "ECDSA size not 256/384", field: "spec.privateKey.size") {
            $0.privateKey = Certificate.PrivateKey(algorithm: .ecdsa, size: 521)
        },
        .init(name: "ECDSA with an RSA size", field: "spec.privateKey.size") {
            $0.privateKey = Certificate.PrivateKey(algorithm: .ecdsa, size: 2048)
        },
        .init(name: "Ed25519 with PKCS1", field: "spec.privateKey.encoding") {
            $0.privateKey = Certificate.PrivateKey(algorithm: .ed25519, encoding: .pkcs1)
        },
        .init(name: "unknown encoding", field: "spec.privateKey.encoding") { $0.privateKey.encoding = "DER" },
        .init(name: "unknown rotationPolicy", field: "spec.privateKey.rotationPolicy") {
            $0.privateKey.rotationPolicy = "Sometimes"
        },
        .init(name: "no issuer", field: "spec.issuer") { $0.issuer = Certificate.IssuerReference() },
        .init(name: "two issuers", field: "spec.issuer") {
            $0.issuer = Certificate.IssuerReference(selfSigned: .init(), ca: .init(certificateRef: "root-ca"))
        },
        .init(name: "ca with both references", field: "spec.issuer.ca") {
            $0.issuer = Certificate.IssuerReference(ca: .init(certificateRef: "root-ca", secretRef: "root-ca-tls"))
        },
        .init(name: "ca with neither reference", field: "spec.issuer.ca") {
            $0.issuer = Certificate.IssuerReference(ca: .init())
        },
        .init(name: "ca.secretRef not a name", field: "spec.issuer.ca.secretRef") { $0.issuer = .secret("Root CA") },
        .init(name: "CRL distribution point not http/ldap", field: "spec.crlDistributionPoints[0]") {
            $0.crlDistributionPoints = ["ftp://crl.example.com/ca.crl"]
        },
        .init(name: "secretTemplate sets a Keyward label", field: "spec.secretTemplate.labels[keyward.dev/owned]") {
            $0.secretTemplate = Certificate.SecretTemplate(labels: ["keyward.dev/owned": "true", "team": "web"])
        },
        .init(name: "secretTemplate label key invalid", field: "spec.secretTemplate.labels[-team]") {
            $0.secretTemplate = Certificate.SecretTemplate(labels: ["-team": "web"])
        },
        .init(name: "unknown failurePolicy", field: "spec.failurePolicy") { $0.failurePolicy = "retry" },
        .init(name: "files.subPath absolute", field: "spec.files.subPath") {
            $0.files = Certificate.Files(subPath: "/etc/ssl")
        },
        .init(name: "files.subPath escapes with ..", field: "spec.files.subPath") {
            $0.files = Certificate.Files(subPath: "certs/../../etc")
        },
        .init(name: "files.mode not octal", field: "spec.files.mode") {
            $0.files = Certificate.Files(mode: "rw-r--r--")
        },
        .init(name: "files.privateKeyMode not octal", field: "spec.files.privateKeyMode") {
            $0.files = Certificate.Files(privateKeyMode: "0800")
        },
        .init(name: "files.privateKeyMode world-readable", field: "spec.files.privateKeyMode") {
            $0.files = Certificate.Files(privateKeyMode: "0644")
        },
        .init(name: "files.names reuse a name", field: "spec.files.names.chain") {
            $0.files = Certificate.Files(names: Certificate.FileNames(chain: "cert.pem"))
        },
        .init(name: "files.names with a slash", field: "spec.files.names.privateKey") {
            $0.files = Certificate.Files(names: Certificate.FileNames(privateKey: "keys/privkey.pem"))
        },
        .init(name: "files.group negative", field: "spec.files.group") { $0.files = Certificate.Files(group: -1) },
    ]

    @Test("each invalid spec is blamed on exactly its field", arguments: invalid)
    func invalidSpec(_ c: CertificateCase) {
        var spec = validCertificateSpec()
        #expect(spec.validate().isEmpty, "the base spec must be valid")
        c.mutate(&spec)
        let violations = spec.validate()
        #expect(violations.map(\.field) == [c.field], "\(violations)")
        #expect(violations.allSatisfy { !$0.reason.isEmpty })
    }

    @Test("the table covers at least 15 distinct fields")
    func tableSize() {
        #expect(Self.invalid.count >= 15)
        #expect(Set(Self.invalid.map(\.field)).count >= 15)
    }

    @Test("valid variations pass")
    func validVariations() {
        let variations: [(String, (inout Certificate.Spec) -> Void)] = [
            ("wildcard leftmost", { $0.dnsNames = ["*.example.com", "example.com"] }),
            ("IPv6 and IPv4", { $0.dnsNames = []; $0.ipAddresses = ["::1", "127.0.0.1", "fd00::10"] }),
            ("commonName only", { $0.dnsNames = []; $0.commonName = "legacy client" }),
            ("URI SAN only", { $0.dnsNames = []; $0.uris = ["spiffe://cluster.local/ns/a/sa/b"] }),
            ("email only", { $0.dnsNames = []; $0.emailAddresses = ["ops@example.com"] }),
            ("Ed25519 without encoding", { $0.privateKey = .init(algorithm: .ed25519) }),
            ("Ed25519 with PKCS8", { $0.privateKey = .init(algorithm: .ed25519, encoding: .pkcs8) }),
            ("Ed25519 size ignored", { $0.privateKey = .init(algorithm: .ed25519, size: 256) }),
            ("RSA 3072 PKCS8 Never", { $0.privateKey = .init(algorithm: .rsa, size: 3072, encoding: .pkcs8, rotationPolicy: .never) }),
            ("CA with path length", { $0.isCA = true; $0.commonName = "Intermediate"; $0.maxPathLength = 0 }),
            ("selfSigned", { $0.issuer = .selfSigned }),
            ("secretRef", { $0.issuer = .secret("root-ca-tls") }),
            ("every usage", { $0.usages = Certificate.Usage.allowedValues }),
            ("files everything", {
                $0.files = .init(subPath: "prod/web.example.com", names: .init(certificate: "tls.crt"),
                                 privateKeyMode: "600", mode: "0444", group: 101)
            }),
            ("renewBefore fractional", { $0.duration = "1.5h"; $0.renewBefore = "45m" }),
            ("ldap CRL", { $0.crlDistributionPoints = ["ldap://ldap.example.com/cn=ca", "http://crl.example.com/ca.crl"] }),
            ("templated labels", {
                $0.secretTemplate = .init(labels: ["app.kubernetes.io/part-of": "web"], annotations: ["reflector/allow": "true"])
            }),
        ]
        for (name, mutate) in variations {
            var spec = validCertificateSpec()
            mutate(&spec)
            #expect(spec.validate().isEmpty, "\(name): \(spec.validate())")
        }
    }

    @Test("a Certificate cannot be its own CA")
    func selfReference() {
        let cert = Certificate(metadata: ObjectMeta(name: "root-ca"), spec: validCertificateSpec())
        #expect(cert.validate().map(\.field) == ["spec.issuer.ca.certificateRef"])
    }

    @Test("several problems are all reported, in field order, and summarised")
    func multipleViolations() {
        var spec = validCertificateSpec()
        spec.secretName = ""
        spec.duration = "soon"
        spec.issuer = .init()
        let violations = spec.validate()
        #expect(violations.map(\.field) == ["spec.secretName", "spec.duration", "spec.issuer"])
        #expect(violations.summary.hasPrefix("spec.secretName: required (and 2 more)"))
    }

    @Test("unknown values decode, so validation (not decoding) reports them")
    func lenientDecoding() throws {
        let json: JSONValue = [
            "metadata": ["name": "x"],
            "spec": ["secretName": "x", "dnsNames": ["x.example.com"], "duration": "ninety days",
                     "privateKey": ["algorithm": "DSA"], "usages": ["web auth"], "issuer": ["selfSigned": nil]],
        ]
        let cert = try kubeDecode(Certificate.self, from: json)
        #expect(cert.validate().map(\.field) == ["spec.duration", "spec.usages[0]", "spec.privateKey.algorithm", "spec.issuer"])
    }

    @Test("a type error is reported with its field path")
    func decodingErrorPath() {
        let json: JSONValue = ["metadata": ["name": "x"], "spec": ["secretName": "x", "dnsNames": 5]]
        do {
            _ = try kubeDecode(Certificate.self, from: json)
            Issue.record("decoding should fail")
        } catch {
            let violation = SpecViolation(decodingError: error)
            #expect(violation.field == "spec.dnsNames")
            #expect(violation.reason == "expected a list")
        }
    }
}
