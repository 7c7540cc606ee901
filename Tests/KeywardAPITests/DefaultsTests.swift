import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import RotationStrategies
import SecretGenerators
import Testing

@Suite("Defaults")
struct DefaultsTests {
    @Test("a minimal Certificate gets cert-manager's defaults")
    func certificateDefaults() throws {
        let json: JSONValue = [
            "metadata": ["name": "web"],
            "spec": ["secretName": "web-tls", "dnsNames": ["web.example.com"], "issuer": ["selfSigned": [:]]],
        ]
        let cert = try kubeDecode(Certificate.self, from: json)
        let spec = cert.spec
        #expect(spec.duration == "2160h")
        #expect(spec.effectiveDuration == .hours(2160))
        #expect(spec.renewBefore == nil)
        #expect(spec.effectiveRenewBefore == .hours(720))
        #expect(spec.privateKey.algorithm == .ecdsa)
        #expect(spec.privateKey.effectiveSize == 256)
        #expect(spec.privateKey.effectiveEncoding == .pkcs1)
        #expect(spec.privateKey.rotationPolicy == .always)
        #expect(spec.failurePolicy == .standard)
        #expect(!spec.isCA && !spec.revokeOnDelete && !spec.adoptExistingSecret && !spec.secretKeys.pemFiles)
        #expect(spec.usages.isEmpty)
        #expect(spec.issuer.kind == .selfSigned)
        #expect(spec.issuer.summary == "selfSigned")
        #expect(cert.validate().isEmpty)
        // Encoding states the intent: computed defaults stay absent, static ones are materialised as the API
        // server's CRD defaulting would.
        let encoded = try kubeEncode(cert)
        #expect(encoded["spec"]?["renewBefore"] == nil)
        #expect(encoded["spec"]?["privateKey"] == ["algorithm": "ECDSA", "rotationPolicy": "Always"])
    }

    @Test("renewBefore 168h is accepted and used as written")
    func shortRenewBefore() throws {
        var spec = validCertificateSpec()
        spec.renewBefore = "168h"
        #expect(spec.validate().isEmpty)
        #expect(spec.effectiveRenewBefore == .hours(168))
        spec.duration = "24h"
        #expect(spec.effectiveRenewBefore == .hours(168))
        #expect(spec.validate().map(\.field) == ["spec.renewBefore"])
    }

    @Test("renewBefore defaults to a third of a non-default duration")
    func renewBeforeFollowsDuration() {
        var spec = validCertificateSpec()
        spec.duration = "720h"
        #expect(spec.effectiveRenewBefore == .hours(240))
    }

    @Test("key size and encoding defaults depend on the algorithm")
    func keyDefaults() {
        #expect(Certificate.PrivateKey(algorithm: .rsa).effectiveSize == 2048)
        #expect(Certificate.PrivateKey(algorithm: .rsa, size: 4096).effectiveSize == 4096)
        #expect(Certificate.PrivateKey(algorithm: .ecdsa, size: 384).effectiveSize == 384)
        #expect(Certificate.PrivateKey(algorithm: .ed25519).effectiveEncoding == .pkcs8)
        #expect(Certificate.PrivateKey(algorithm: .rsa, encoding: .pkcs8).effectiveEncoding == .pkcs8)
    }

    @Test("files defaults: certbot names, 0640 key, 0644 others, NAMESPACE/NAME directory")
    func fileDefaults() throws {
        let files = try kubeDecode(Certificate.Files.self, from: [:])
        #expect(files.names.all.map(\.name) == ["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem", "ca.pem", "crl.pem"])
        #expect(files.privateKeyMode.permissions == 0o640)
        #expect(files.mode.permissions == 0o644)
        #expect(files.effectiveSubPath(namespace: "prod", name: "web") == "prod/web")
        #expect(FileMode(rawValue: "640").permissions == 0o640)
        #expect(FileMode(rawValue: "0o640").permissions == nil)
    }

    @Test("a minimal SecretRotation gets its defaults")
    func rotationDefaults() throws {
        let json: JSONValue = [
            "metadata": ["name": "db"],
            "spec": ["secretName": "db", "interval": "720h",
                     "keys": [["name": "password", "generator": ["password": [:]]]]],
        ]
        let rotation = try kubeDecode(SecretRotation.self, from: json)
        let spec = rotation.spec
        #expect(spec.strategy.type == .immediate)
        #expect(spec.strategy.migrationTimeout == "5m")
        #expect(spec.rollback.automatic && spec.rollback.onMigrationTimeout == .rollback)
        #expect(spec.consumers.maxConcurrentRollouts == 1 && !spec.consumers.discover)
        #expect(!spec.suspend && spec.historyLimit == 10)
        let password = try #require(spec.keys.first?.generator.password)
        #expect(password.length == 24 && password.effectiveDigits == 6 && password.effectiveSymbols == 6)
        #expect(password.encoding == .raw && !password.noUpper && !password.allowRepeat)
        #expect(rotation.validate().isEmpty)
        let token = try kubeDecode(SecretRotation.TokenGenerator.self, from: [:])
        #expect(token.bytes == 32 && token.encoding == .base64url)
        let schedule = try kubeDecode(SecretRotation.Schedule.self, from: ["cron": "@daily"])
        #expect(schedule.timeZone == "UTC")
        let http = try kubeDecode(SecretRotation.HTTPCheck.self, from: ["url": "https://db.example.com/health"])
        #expect(http.method == .get && http.expectedStatus == 200 && http.timeout == "10s")
    }

    @Test("next rotation: interval from the last rotation; schedule catches up a missed firing once")
    func nextRotation() throws {
        let last = try #require(KubeTime.parse("2026-11-01T00:00:00Z"))
        var spec = validRotationSpec()
        #expect(spec.nextRotation(after: last) == KubeTime.parse("2026-12-01T00:00:00Z"))
        spec.interval = nil
        spec.schedule = SecretRotation.Schedule(cron: "0 3 * * *", timeZone: "UTC")
        #expect(spec.nextRotation(after: last) == KubeTime.parse("2026-11-01T03:00:00Z"))
        spec.interval = "1h"
        #expect(spec.nextRotation(after: last) == nil, "an invalid spec has no next rotation")
    }

    @Test("basicAuth writes three keys, others one")
    func valueKeys() {
        var spec = validRotationSpec()
        spec.keys.append(SecretRotation.Key(name: "admin", generator: .basicAuth(.init(username: "admin"))))
        #expect(spec.valueKeys == ["password", "admin", "admin.username", "admin.password"])
        #expect(SecretLayout.dataKeys(for: "password", strategy: .dualWrite) == ["password", "password.pending", "password.previous"])
        #expect(SecretLayout.dataKeys(for: "password", strategy: .blueGreen) == ["password", "password.blue", "password.green"])
        #expect(SecretLayout.side("k", .green) == "k.green")
    }
}
