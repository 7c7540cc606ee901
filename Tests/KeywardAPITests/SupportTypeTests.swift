import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    private func date(_ text: String) throws -> Date { try #require(KubeTime.parse(text)) }
    private func zone(_ id: String) throws -> TimeZone { try #require(TimeZone(identifier: id)) }

    @Test("next firings", arguments: [
        ("*/15 * * * *", "UTC", "2026-11-23T10:07:30Z", "2026-11-23T10:15:00Z"),
        ("0 3 * * SUN", "Europe/Berlin", "2026-11-23T10:00:00Z", "2026-11-29T02:00:00Z"),
        ("0 3 * * 7", "UTC", "2026-11-23T10:00:00Z", "2026-11-29T03:00:00Z"),
        ("@daily", "UTC", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"),
        ("@monthly", "UTC", "2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        // Day-of-month and day-of-week both restricted: either matches (Vixie cron), so Monday the 23rd fires.
        ("30 9 1-7 * MON-FRI", "UTC", "2026-11-23T00:00:00Z", "2026-11-23T09:30:00Z"),  // Vixie OR of day fields
        ("0 12 * JAN,jul *", "UTC", "2026-11-23T00:00:00Z", "2027-01-01T12:00:00Z"),
        ("5/20 * * * *", "UTC", "2026-11-23T10:46:00Z", "2026-11-23T11:05:00Z"),
        // 02:30 does not exist on 29 March 2026 in Berlin: the next firing is the following day.
        ("30 2 * * *", "Europe/Berlin", "2026-03-28T02:00:00Z", "2026-03-30T00:30:00Z"),
        // 02:30 happens twice on 25 October 2026 in Berlin: it fires once, at the first.
        ("30 2 * * *", "Europe/Berlin", "2026-10-24T02:00:00Z", "2026-10-25T00:30:00Z"),
        ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
    ])
    func next(_ expression: String, _ zoneID: String, _ after: String, _ expected: String) throws {
        let cron = try CronSchedule(parsing: expression)
        #expect(cron.next(after: try date(after), in: try zone(zoneID)) == (try date(expected)))
    }

    @Test("an impossible date never fires")
    func never() throws {
        let cron = try CronSchedule(parsing: "0 0 30 2 *")
        #expect(cron.next(after: try date("2026-01-01T00:00:00Z"), in: .gmt) == nil)
    }

    @Test("invalid expressions are refused with a reason", arguments: [
        "", "* * * *", "0 0 3 * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
        "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *", "@reboot", "CRON_TZ=UTC 0 * * * *",
    ])
    func invalid(_ expression: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(parsing: expression) }
    }
}

@Suite("Verify templates")
struct VerifyTemplateTests {
    @Test("placeholders render candidate values")
    func render() throws {
        let values = ["password": "p@ss", "admin.username": "admin", "admin.password": "s3cret"]
        let template = try VerifyTemplate(parsing: "Bearer {{ candidate.password }}/{{candidate.password}}")
        #expect(try template.render(values: values) == "Bearer p@ss/p@ss")
        #expect(try VerifyTemplate(parsing: "Basic {{ basicAuth candidate.admin }}").render(values: values)
                == "Basic " + Data("admin:s3cret".utf8).base64EncodedString())
        #expect(try VerifyTemplate(parsing: "{{ base64 candidate.password }}").render(values: values)
                == Data("p@ss".utf8).base64EncodedString())
        #expect(try VerifyTemplate(parsing: "no placeholders").render(values: [:]) == "no placeholders")
        #expect(try VerifyTemplate(parsing: "{{ candidate.admin.password }}").placeholders.map(\.key) == ["admin.password"])
    }

    @Test("a missing value names the key, never a value")
    func missing() throws {
        let template = try VerifyTemplate(parsing: "{{ candidate.token }}")
        #expect(throws: VerifyTemplate.RenderError(missingKey: "token")) {
            try template.render(values: ["password": "hunter2"])
        }
    }

    @Test("malformed placeholders are refused", arguments: [
        "{{ candidate.x", "{{ x }}", "{{ candidate. }}", "{{ sha256 candidate.x }}", "{{ base64 }}",
        "{{ a b c }}", "{{ value candidate.x }}",
    ])
    func malformed(_ text: String) {
        #expect(throws: VerifyTemplate.ParseError.self) { try VerifyTemplate(parsing: text) }
    }
}

@Suite("Labels and annotations")
struct KeywardLabelsTests {
    @Test("pod-template revision keys are valid annotation names for any Secret name")
    func podTemplateKey() {
        #expect(KeywardAnnotations.podTemplateRevision(secretName: "api-credentials") == "rotation.keyward.dev/api-credentials")
        let long = String(repeating: "a", count: 100) + ".example-secret"
        let key = KeywardAnnotations.podTemplateRevision(secretName: long)
        let name = key.split(separator: "/").last!
        #expect(name.count <= 63)
        #expect(key == KeywardAnnotations.podTemplateRevision(secretName: long), "stable")
        #expect(key != KeywardAnnotations.podTemplateRevision(secretName: long + "x"), "distinct")
        #expect(name.first!.isLetter && (name.last!.isLetter || name.last!.isNumber))
    }

    @Test("the owned selector matches the standard labels")
    func ownedSelector() {
        #expect(KeywardLabels.ownedSelector == "keyward.dev/owned=true")
        #expect(KeywardLabels.standard == ["app.kubernetes.io/managed-by": "keyward", "keyward.dev/owned": "true"])
    }

    @Test("issuer summaries and revocation reason codes")
    func summaries() {
        #expect(Certificate.IssuerReference.certificate("root").summary == "certificate/root")
        #expect(Certificate.IssuerReference.secret("ca-tls").summary == "secret/ca-tls")
        #expect(Certificate.IssuerReference().summary == "invalid")
        #expect(Certificate.RevocationReason.keyCompromise.code == 1)
        #expect(Certificate.RevocationReason("certificateHold").code == nil)
        #expect(!Certificate.RevocationReason("certificateHold").isKnown)
    }
}

/// `keyward.dev/allow-rollout` is read from workloads anyone who may edit them can annotate: only an exact
/// `SecretRotation/<name>` entry consents, and no value, however malformed or large, does more than refuse.
@Suite("Rollout consent")
struct RolloutConsentTests {
    private func meta(_ value: String?) -> ObjectMeta {
        ObjectMeta(name: "api", namespace: "shop", annotations: value.map { [KeywardAnnotations.allowRollout: $0] } ?? [:])
    }

    @Test("exact entries consent, case-insensitively by kind only", arguments: [
        ("SecretRotation/db", true), ("secretrotation/db", true), (" Certificate/db , SecretRotation/db ", true),
        ("SecretRotation/DB", false), ("SecretRotation/db/x", false), ("SecretRotation/", false), ("/db", false),
        ("SecretRotation", false), ("db", false), ("*", false), ("SecretRotation/*", false), ("", false),
        ("SecretRotation/db\u{0}", false), (",,,,", false),
    ])
    func entries(value: String, consents: Bool) {
        #expect(AdoptionConsent.allowsRollout(meta(value), byRotation: "db") == consents)
    }

    @Test("no annotation, or a huge one without the entry, is no consent")
    func hostileValues() {
        #expect(!AdoptionConsent.allowsRollout(meta(nil), byRotation: "db"))
        let huge = Array(repeating: "SecretRotation/other", count: 20_000).joined(separator: ",")
        #expect(!AdoptionConsent.allowsRollout(meta(huge), byRotation: "db"))
        #expect(AdoptionConsent.allowsRollout(meta(huge + ",SecretRotation/db"), byRotation: "db"))
    }
}
