import Foundation
import KeywardAPI
import KeywardCore
import SecretGenerators
import Testing

struct RotationCase: CustomTestStringConvertible, Sendable {
    var name: String
    var field: String
    var mutate: @Sendable (inout SecretRotation.Spec) -> Void
    var testDescription: String { name }
}

private func key(_ name: String, _ generator: SecretRotation.Generator) -> SecretRotation.Key {
    SecretRotation.Key(name: name, generator: generator)
}

private let jobSpec: JSONValue = ["template": ["spec": ["containers": [["name": "check", "image": "busybox"]],
                                                        "restartPolicy": "Never"]]]

/// A valid verify.job template with extra fields at one level.
private func jobTemplate(extraJobSpec: JSONObject = [:], extraPodSpec: JSONObject = [:],
                         extraContainer: JSONObject = [:]) -> JSONValue {
    var container: JSONObject = ["name": "check", "image": "busybox"]
    container.merge(extraContainer) { $1 }
    var podSpec: JSONObject = ["containers": [.object(container)]]
    podSpec.merge(extraPodSpec) { $1 }
    var jobSpec: JSONObject = ["template": ["spec": .object(podSpec)]]
    jobSpec.merge(extraJobSpec) { $1 }
    return .object(jobSpec)
}

@Suite("SecretRotation validation")
struct SecretRotationValidationTests {
    static let invalid: [RotationCase] = [
        .init(name: "missing secretName", field: "spec.secretName") { $0.secretName = "" },
        .init(name: "secretName with upper case", field: "spec.secretName") { $0.secretName = "DB" },
        .init(name: "no keys", field: "spec.keys") { $0.keys = [] },
        .init(name: "duplicate key names", field: "spec.keys[1].name") {
            $0.keys = [key("password", .password()), key("password", .token())]
        },
        .init(name: "key name invalid for a Secret", field: "spec.keys[0].name") {
            $0.keys = [key("db password", .password())]
        },
        .init(name: "key name with a layout suffix", field: "spec.keys[0].name") {
            $0.keys = [key("password.previous", .password())]
        },
        .init(name: "key named like the blueGreen marker", field: "spec.keys[0].name") {
            $0.strategy.type = .blueGreen; $0.keys = [key("active", .token())]
        },
        .init(name: "basicAuth outputs collide with another key", field: "spec.keys[1].name") {
            $0.keys = [key("admin", .basicAuth(.init(username: "admin"))), key("admin.password", .password())]
        },
        .init(name: "two generators in one key", field: "spec.keys[0].generator") {
            $0.keys = [key("password", SecretRotation.Generator(password: .init(), uuid: .init()))]
        },
        .init(name: "no generator", field: "spec.keys[0].generator") {
            $0.keys = [key("password", SecretRotation.Generator())]
        },
        .init(name: "digits + symbols longer than the password", field: "spec.keys[0].generator.password.length") {
            $0.keys = [key("password", .password(.init(length: 8, digits: 5, symbols: 5, allowRepeat: true)))]
        },
        .init(name: "digits and symbols whose sum overflows", field: "spec.keys[0].generator.password.length") {
            $0.keys = [key("password", .password(.init(length: 8, digits: Int.max, symbols: Int.max, allowRepeat: true)))]
        },
        .init(name: "more distinct digits than exist", field: "spec.keys[0].generator.password.digits") {
            $0.keys = [key("password", .password(.init(length: 40, digits: 12, symbols: 2)))]
        },
        .init(name: "every digit excluded", field: "spec.keys[0].generator.password.excludedCharacters") {
            $0.keys = [key("password", .password(.init(digits: 2, excludedCharacters: "0123456789")))]
        },
        .init(name: "token too short", field: "spec.keys[0].generator.token.bytes") {
            $0.keys = [key("token", .token(.init(bytes: 8)))]
        },
        .init(name: "token in raw encoding", field: "spec.keys[0].generator.token.encoding") {
            $0.keys = [key("token", .token(.init(encoding: .raw)))]
        },
        .init(name: "private key RSA 1024", field: "spec.keys[0].generator.privateKey.size") {
            $0.keys = [key("signing-key", .privateKey(.init(algorithm: .rsa, size: 1024)))]
        },
        .init(name: "basicAuth username with a colon", field: "spec.keys[0].generator.basicAuth.username") {
            $0.keys = [key("admin", .basicAuth(.init(username: "ad:min")))]
        },
        .init(name: "basicAuth bcrypt cost too high", field: "spec.keys[0].generator.basicAuth.cost") {
            $0.keys = [key("admin", .basicAuth(.init(username: "admin", cost: 20)))]
        },
        .init(name: "interval and schedule both set", field: "spec.schedule") {
            $0.schedule = .init(cron: "@daily")
        },
        .init(name: "neither interval nor schedule", field: "spec.interval") { $0.interval = nil },
        .init(name: "unparseable interval", field: "spec.interval") { $0.interval = "30 days" },
        .init(name: "interval below a minute", field: "spec.interval") { $0.interval = "10s" },
        .init(name: "cron minute out of range", field: "spec.schedule.cron") {
            $0.interval = nil; $0.schedule = .init(cron: "61 * * * *")
        },
        .init(name: "cron with six fields", field: "spec.schedule.cron") {
            $0.interval = nil; $0.schedule = .init(cron: "0 0 3 * * *")
        },
        .init(name: "unknown time zone", field: "spec.schedule.timeZone") {
            $0.interval = nil; $0.schedule = .init(cron: "0 3 * * *", timeZone: "Mars/Olympus_Mons")
        },
        .init(name: "unknown strategy", field: "spec.strategy.type") { $0.strategy.type = "rolling" },
        .init(name: "bad migrationTimeout", field: "spec.strategy.migrationTimeout") {
            $0.strategy.migrationTimeout = "soon"
        },
        .init(name: "verify URL not http(s)", field: "spec.verify.http.url") {
            $0.verify = .init(http: .init(url: "ftp://db.example.com/"))
        },
        .init(name: "verify URL carrying the candidate", field: "spec.verify.http.url") {
            $0.verify = .init(http: .init(url: "https://db.example.com/?p={{ candidate.password }}"))
        },
        .init(name: "verify header naming an unknown key", field: "spec.verify.http.headers[0].value") {
            $0.verify = .init(http: .init(url: "https://db.example.com/",
                                          headers: [.init(name: "X-Password", value: "{{ candidate.pasword }}")]))
        },
        .init(name: "verify basicAuth on a non-basicAuth key", field: "spec.verify.http.headers[0].value") {
            $0.verify = .init(http: .init(url: "https://db.example.com/",
                                          headers: [.init(name: "Authorization", value: "Basic {{ basicAuth candidate.password }}")]))
        },
        .init(name: "verify header with an unterminated placeholder", field: "spec.verify.http.headers[0].value") {
            $0.verify = .init(http: .init(url: "https://db.example.com/",
                                          headers: [.init(name: "X-Password", value: "{{ candidate.password")]))
        },
        .init(name: "verify header name invalid", field: "spec.verify.http.headers[0].name") {
            $0.verify = .init(http: .init(url: "https://db.example.com/", headers: [.init(name: "X Password", value: "x")]))
        },
        .init(name: "verify method unknown", field: "spec.verify.http.method") {
            $0.verify = .init(http: .init(url: "https://db.example.com/", method: "BREW"))
        },
        .init(name: "verify expected status not a status", field: "spec.verify.http.expectedStatus") {
            $0.verify = .init(http: .init(url: "https://db.example.com/", expectedStatus: 42))
        },
        .init(name: "verify job without containers", field: "spec.verify.job.template.template.spec.containers") {
            $0.verify = .init(job: .init(template: ["template": ["spec": [:]]]))
        },
        .init(name: "verify header value with CR LF", field: "spec.verify.http.headers[0].value") {
            $0.verify = .init(http: .init(url: "https://db.example.com/",
                                          headers: [.init(name: "X-Token", value: "a\r\nX-Injected: 1")]))
        },
        .init(name: "verify timeout over a minute", field: "spec.verify.http.timeout") {
            $0.verify = .init(http: .init(url: "https://db.example.com/", timeout: "61s"))
        },
        .init(name: "verify job with a JobSpec field", field: "spec.verify.job.template.backoffLimit") {
            $0.verify = .init(job: .init(template: jobTemplate(extraJobSpec: ["backoffLimit": 3])))
        },
        .init(name: "verify job mounting a volume", field: "spec.verify.job.template.template.spec.volumes") {
            $0.verify = .init(job: .init(template: jobTemplate(extraPodSpec: [
                "volumes": [["name": "other", "secret": ["secretName": "someone-elses"]]]])))
        },
        .init(name: "verify job choosing a pod service account", field: "spec.verify.job.template.template.spec.serviceAccountName") {
            $0.verify = .init(job: .init(template: jobTemplate(extraPodSpec: ["serviceAccountName": "admin"])))
        },
        .init(name: "verify job container with a securityContext", field: "spec.verify.job.template.template.spec.containers[0].securityContext") {
            $0.verify = .init(job: .init(template: jobTemplate(extraContainer: ["securityContext": ["privileged": true]])))
        },
        .init(name: "verify job env from a Secret", field: "spec.verify.job.template.template.spec.containers[0].env[0].valueFrom") {
            $0.verify = .init(job: .init(template: jobTemplate(extraContainer: [
                "env": [["name": "P", "valueFrom": ["secretKeyRef": ["name": "admin", "key": "password"]]]]])))
        },
        .init(name: "verify job container without an image", field: "spec.verify.job.template.template.spec.containers[0].image") {
            $0.verify = .init(job: .init(template: ["template": ["spec": ["containers": [["name": "check"]]]]]))
        },
        .init(name: "verify job service account not a name", field: "spec.verify.job.serviceAccountName") {
            $0.verify = .init(job: .init(template: jobSpec, serviceAccountName: "Admin!"))
        },
        .init(name: "empty verify", field: "spec.verify") { $0.verify = .init() },
        .init(name: "unknown onMigrationTimeout", field: "spec.rollback.onMigrationTimeout") {
            $0.rollback.onMigrationTimeout = "ignore"
        },
        .init(name: "consumer kind unknown", field: "spec.consumers.workloads[0].kind") {
            $0.consumers.workloads = [.init(kind: "CronJob", name: "backup")]
        },
        .init(name: "consumer listed twice", field: "spec.consumers.workloads[1]") {
            $0.consumers.workloads = [.init(kind: .deployment, name: "api"), .init(kind: .deployment, name: "api")]
        },
        .init(name: "maxConcurrentRollouts zero", field: "spec.consumers.maxConcurrentRollouts") {
            $0.consumers.maxConcurrentRollouts = 0
        },
        .init(name: "negative historyLimit", field: "spec.historyLimit") { $0.historyLimit = -1 },
        .init(name: "hook without a program", field: "spec.onChange[0].exec") { $0.onChange = [.init(exec: [])] },
    ]

    @Test("each invalid spec is blamed on exactly its field", arguments: invalid)
    func invalidSpec(_ c: RotationCase) {
        var spec = validRotationSpec()
        #expect(spec.validate().isEmpty, "the base spec must be valid")
        c.mutate(&spec)
        let violations = spec.validate()
        #expect(violations.map(\.field) == [c.field], "\(violations)")
    }

    @Test("an unknown password encoding is refused while decoding, naming the field and the accepted values")
    func unknownPasswordEncoding() throws {
        // The password options are SecretGenerators' PasswordGenerator, whose encoding is a closed set: the CRD
        // schema refuses other values at admission, and a standalone manifest fails to decode with this violation.
        let json: JSONValue = [
            "metadata": ["name": "x"],
            "spec": ["secretName": "x", "interval": "1h",
                     "keys": [["name": "p", "generator": ["password": ["encoding": "base32"]]]]],
        ]
        do {
            _ = try kubeDecode(SecretRotation.self, from: json)
            Issue.record("decoded an unknown encoding")
        } catch {
            let violation = SpecViolation(decodingError: error)
            #expect(violation.field == "spec.keys[0].generator.password.encoding")
            #expect(violation.reason == "unsupported value \"base32\": must be \"raw\", \"base64\", \"base64url\" or \"hex\"")
        }
    }

    @Test("the password options decode with the CRD's defaults, external-secrets' symbol set included")
    func passwordDefaults() throws {
        let json: JSONValue = [
            "metadata": ["name": "x"],
            "spec": ["secretName": "x", "interval": "1h", "keys": [["name": "p", "generator": ["password": [:]]]]],
        ]
        let password = try #require(try kubeDecode(SecretRotation.self, from: json).spec.keys.first?.generator.password)
        #expect(password == SecretRotation.PasswordGenerator())
        #expect(password.symbolCharacters == "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./")
        #expect(password.excludedCharacters.isEmpty && password.encoding == .raw)
    }

    @Test("the table covers at least 15 distinct fields")
    func tableSize() {
        #expect(Self.invalid.count >= 15)
        #expect(Set(Self.invalid.map(\.field)).count >= 15)
    }

    @Test("valid variations pass")
    func validVariations() {
        let variations: [(String, (inout SecretRotation.Spec) -> Void)] = [
            ("migrationTimeout on immediate is allowed and ignored", { $0.strategy = .init(type: .immediate, migrationTimeout: "1h") }),
            ("every generator", {
                $0.keys = [key("password", .password()), key("token", .token()), key("id", .uuid),
                           key("tls.key", .privateKey(.init(algorithm: .ed25519))),
                           key("admin", .basicAuth(.init(username: "admin", password: .init(length: 16))))]
            }),
            ("long password with repeats", { $0.keys = [key("p", .password(.init(length: 128, allowRepeat: true)))] }),
            ("letters only", { $0.keys = [key("p", .password(.init(length: 20, digits: 0, symbols: 0, noUpper: true)))] }),
            ("hex token", { $0.keys = [key("t", .token(.init(bytes: 16, encoding: .hex)))] }),
            ("schedule with zone", { $0.interval = nil; $0.schedule = .init(cron: "0 3 * * SUN", timeZone: "Europe/Berlin") }),
            ("schedule macro", { $0.interval = nil; $0.schedule = .init(cron: "@weekly") }),
            ("verify with placeholders", {
                $0.keys.append(key("admin", .basicAuth(.init(username: "admin"))))
                $0.verify = .init(http: .init(url: "http://127.0.0.1:8080/login", method: .post, headers: [
                    .init(name: "Authorization", value: "Basic {{ basicAuth candidate.admin }}"),
                    .init(name: "X-Password", value: "{{candidate.password}}"),
                    .init(name: "X-Encoded", value: "{{ base64 candidate.admin.password }}"),
                ], body: "{\"password\": \"{{ candidate.password }}\"}", expectedStatus: 204, timeout: "3s"))
            }),
            ("verify job", { $0.verify = .init(job: .init(template: jobSpec)) }),
            ("blueGreen with consumers", {
                $0.strategy.type = .blueGreen
                $0.consumers = .init(workloads: [.init(kind: .deployment, name: "api"),
                                                 .init(kind: .statefulSet, name: "db"),
                                                 .init(kind: .daemonSet, name: "agent")],
                                     discover: true, maxConcurrentRollouts: 2)
            }),
            ("promote on timeout", { $0.rollback = .init(automatic: false, onMigrationTimeout: .promote) }),
            ("hooks", { $0.onChange = [.init(exec: ["/bin/systemctl", "reload", "app"], timeout: "5s")] }),
            ("history off", { $0.historyLimit = 0 }),
        ]
        for (name, mutate) in variations {
            var spec = validRotationSpec()
            mutate(&spec)
            #expect(spec.validate().isEmpty, "\(name): \(spec.validate())")
        }
    }

    @Test("violation messages never contain generated values or header values")
    func noSecretsInMessages() {
        var spec = validRotationSpec()
        spec.verify = .init(http: .init(url: "https://db.example.com/",
                                        headers: [.init(name: "X Token", value: "s3cr3t-literal {{ candidate.nope }}")]))
        let text = spec.validate().map(\.description).joined(separator: "\n")
        #expect(!text.isEmpty)
        #expect(!text.contains("s3cr3t-literal"))
    }
}
