import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import RotationStrategies
import SecretGenerators

/// Models with every field set, so encoding them shows every key the model can write.
/// ``SchemaDriftTests`` checks by reflection that nothing here was left unset.
enum Samples {
    static let time = Date(timeIntervalSince1970: 1_795_000_000)

    static func condition(_ type: String) -> Condition {
        Condition(type: type, status: .true, reason: "Issued", message: "ok", observedGeneration: 3,
                  lastTransitionTime: time)
    }

    static func certificate() -> Certificate {
        let spec = Certificate.Spec(
            secretName: "web-tls",
            issuer: Certificate.IssuerReference(selfSigned: .init(), ca: .init(certificateRef: "root-ca", secretRef: "root-tls"),
                                                issuerRef: .init(kind: .clusterIssuer, name: "shared-ca")),
            commonName: "web",
            dnsNames: ["web.example.com"],
            ipAddresses: ["10.0.0.1"],
            uris: ["spiffe://cluster.local/web"],
            emailAddresses: ["ops@example.com"],
            subject: Certificate.Subject(organizations: ["Example"], organizationalUnits: ["Web"], countries: ["DE"],
                                         localities: ["Berlin"], provinces: ["Berlin"], streetAddresses: ["Main 1"],
                                         postalCodes: ["10115"], serialNumber: "42"),
            duration: "2160h",
            renewBefore: "720h",
            usages: [.serverAuth],
            isCA: true,
            maxPathLength: 1,
            privateKey: Certificate.PrivateKey(algorithm: .rsa, size: 2048, encoding: .pkcs8, rotationPolicy: .never),
            crlDistributionPoints: ["http://crl.example.com/ca.crl"],
            secretTemplate: Certificate.SecretTemplate(labels: ["team": "web"], annotations: ["note": "x"]),
            secretKeys: Certificate.SecretKeys(pemFiles: true),
            failurePolicy: .strict,
            revokeOnDelete: true,
            adoptExistingSecret: true,
            files: Certificate.Files(subPath: "web", names: Certificate.FileNames(), privateKeyMode: "0640",
                                     mode: "0644", group: 101),
            endpoints: [Certificate.Endpoint(address: "web.example.com:443", serverName: "www.example.com", interval: "10m")])
        let status = Certificate.Status(
            conditions: [condition("Ready"), condition("Issuing")], state: .issued, observedGeneration: 3,
            issuerName: "certificate/root-ca", notBefore: time, notAfter: time, renewalTime: time,
            serialNumber: "0A1B", fingerprintSHA256: "ab", revision: 2, issuerFingerprintSHA256: "cd",
            lastFailureTime: time, failedIssuanceAttempts: 1, nextRetryTime: time, lastError: "boom",
            lastRenewRequest: "2026-11-23T10:00:00Z",
            revokedCertificates: [Certificate.RevokedCertificate(serialNumber: "09", reason: .keyCompromise,
                                                                 revocationTime: time, notAfter: time)],
            pendingRequest: Certificate.PendingRequest(issuer: "Issuer/acme", generation: 3, since: time, message: "order pending",
                                                       keySecretName: "web-tls-next-key", state: ["order": "42"]))
        var probed = status
        probed.endpoints = [Certificate.EndpointStatus(
            address: "web.example.com:443", serverName: "www.example.com", servedSerial: "09", servedNotAfter: time, matches: false,
            lastChecked: time, reason: "StaleCertificate", error: "unreachable", expectedSerial: "0A1B", failedChecks: 2)]
        probed.issuedSerials = ["09", "0A1B"]
        return Certificate(metadata: ObjectMeta(name: "web", namespace: "default"), spec: spec, status: probed)
    }

    static func issuer() -> IssuerResource {
        IssuerResource(metadata: ObjectMeta(name: "team-ca", namespace: "shop"),
                       spec: IssuerSpec(selfSigned: .init(), ca: .init(secretName: "team-ca-tls"), acme: acme()),
                       status: issuerStatus())
    }

    static func clusterIssuer() -> ClusterIssuerResource {
        ClusterIssuerResource(metadata: ObjectMeta(name: "shared-ca"),
                              spec: IssuerSpec(selfSigned: .init(), ca: .init(secretName: "shared-ca-tls"), acme: acme()),
                              status: issuerStatus())
    }

    static func issuerStatus() -> IssuerStatus {
        IssuerStatus(conditions: [condition("Ready")], observedGeneration: 2, caFingerprintSHA256: "ab", caNotAfter: time,
                     acme: .init(uri: "https://acme.example/acct/1", lastRegisteredEmail: "ops@example.com",
                                 accountKeyThumbprint: "tp", server: "https://acme.example/dir"))
    }

    /// An `acme` section with every field set (both solver kinds, every HTTP-01 form across solvers).
    static func acme() -> IssuerSpec.ACME {
        typealias ACME = IssuerSpec.ACME
        let parent = ACME.HTTP01.GatewayHTTPRoute.ParentReference(name: "gw", namespace: "infra", sectionName: "http",
                                                                   group: "gateway.networking.k8s.io", kind: "Gateway")
        let http = ACME.HTTP01(ingress: .init(ingressClassName: "nginx", name: "web"),
                               gatewayHTTPRoute: .init(parentRefs: [parent]), listen: ":80", webroot: "/var/www")
        let dns = ACME.DNS01(rfc2136: .init(nameserver: "ns1.example.com:53", tsigKeyName: "keyward.",
                                            tsigSecretSecretRef: .init(name: "tsig", key: "secret"), tsigAlgorithm: "HMACSHA256"))
        return ACME(server: "https://acme.example/dir", email: "ops@example.com",
                    privateKeySecretRef: .init(name: "acme-account", key: "tls.key"), caBundle: "pem",
                    externalAccountBinding: .init(keyID: "kid", keySecretRef: .init(name: "eab", key: "secret"), keyAlgorithm: "HS256"),
                    profile: "tlsserver", preferredChain: "ISRG Root X1",
                    solvers: [ACME.Solver(selector: .init(dnsNames: ["a.example.com"], dnsZones: ["example.com"]),
                                          http01: http, dns01: dns)])
    }

    static func rotation() -> SecretRotation {
        let password = SecretRotation.PasswordGenerator(length: 24, digits: 4, symbols: 4, symbolCharacters: "-_",
                                                        noUpper: true, allowRepeat: true, encoding: .hex,
                                                        excludedCharacters: "0O")
        let generator = SecretRotation.Generator(
            password: password, token: .init(bytes: 32, encoding: .hex), uuid: .init(),
            privateKey: .init(algorithm: .rsa, size: 2048),
            basicAuth: .init(username: "admin", password: password, cost: 10))
        let spec = SecretRotation.Spec(
            secretName: "db",
            keys: [SecretRotation.Key(name: "password", generator: generator)],
            interval: "720h",
            schedule: .init(cron: "@daily", timeZone: "UTC"),
            strategy: .init(type: .dualWrite, migrationTimeout: "5m"),
            verify: .init(http: .init(url: "https://db.example.com/", method: .post,
                                      headers: [.init(name: "X-P", value: "{{ candidate.password }}")],
                                      body: "{}", expectedStatus: 200, timeout: "10s"),
                          job: .init(template: ["template": ["spec": ["containers": [["name": "c"]]]]], timeout: "5m",
                                     serviceAccountName: "db-verifier")),
            rollback: .init(automatic: false, onMigrationTimeout: .promote),
            consumers: .init(workloads: [.init(kind: .deployment, name: "api")], discover: true, maxConcurrentRollouts: 2),
            suspend: true,
            historyLimit: 5,
            onChange: [.init(exec: ["/bin/true"], timeout: "30s")])
        let status = SecretRotation.Status(
            conditions: [condition("Ready"), condition("Rotating")], observedGeneration: 2, phase: .migrating,
            phaseTransitionTime: time, revision: 4, lastRotationTime: time, nextRotationTime: time,
            activeEnvironment: .green,
            consumers: .init(total: 1, migrated: 0, pending: ["Deployment/api"],
                             items: [.init(kind: .deployment, name: "api", revision: "abc", rolledOut: false)]),
            candidateHash: "ff", failedAttempts: 1, nextRetryTime: time, lastError: "boom", lastRotateRequest: "r1",
            lastRollbackRequest: "b1",
            history: [.init(revision: 3, time: time, result: .rotated)])
        return SecretRotation(metadata: ObjectMeta(name: "db", namespace: "default"), spec: spec, status: status)
    }
}
