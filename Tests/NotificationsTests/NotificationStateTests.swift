import Foundation
import Notifications
import Testing

@Suite("Notification state: transitions, cooldown, bounds")
struct NotificationStateTests {
    let web = NotificationObject(kind: "Certificate", namespace: "default", name: "web")
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let classes: Set<AlertClass> = [.renewalSLABreach, .issuanceFailing]

    @Test("firing once on activation, resolved on recovery, nothing while steady")
    func firingAndResolved() {
        var state = NotificationState()
        let fired = state.transitions(for: web, active: [.renewalSLABreach: "overdue"], classes: classes, now: start, cooldown: 3600)
        #expect(fired.map(\.state) == [.firing] && fired.first?.alertClass == .renewalSLABreach && fired.first?.message == "overdue")
        #expect(state.transitions(for: web, active: [.renewalSLABreach: "overdue"], classes: classes, now: start + 10, cooldown: 3600).isEmpty)
        let resolved = state.transitions(for: web, active: [:], classes: classes, now: start + 20, cooldown: 3600)
        #expect(resolved.map(\.state) == [.resolved] && resolved.first?.activeSince == start)
    }

    @Test("a flap inside the cooldown sends nothing (neither firing nor its resolved); after the cooldown it fires again")
    func cooldown() {
        var state = NotificationState()
        _ = state.transitions(for: web, active: [.issuanceFailing: "x"], classes: classes, now: start, cooldown: 3600)
        _ = state.transitions(for: web, active: [:], classes: classes, now: start + 60, cooldown: 3600)
        #expect(state.transitions(for: web, active: [.issuanceFailing: "x"], classes: classes, now: start + 120, cooldown: 3600).isEmpty)
        #expect(state.transitions(for: web, active: [:], classes: classes, now: start + 180, cooldown: 3600).isEmpty)
        let again = state.transitions(for: web, active: [.issuanceFailing: "x"], classes: classes, now: start + 3600, cooldown: 3600)
        #expect(again.map(\.state) == [.firing])
        // The cooldown is per (object, class): another object fires at once.
        let other = NotificationObject(kind: "Certificate", namespace: "default", name: "api")
        #expect(state.transitions(for: other, active: [.issuanceFailing: "x"], classes: classes, now: start + 3601, cooldown: 3600).count == 1)
    }

    @Test("the state round-trips through JSON, and a restarted reader decides the same")
    func persisted() throws {
        var state = NotificationState()
        _ = state.transitions(for: web, active: [.renewalSLABreach: "overdue"], classes: classes, now: start, cooldown: 3600)
        var reread = try NotificationState.decode(try state.encoded())
        #expect(reread == state)
        #expect(reread.transitions(for: web, active: [.renewalSLABreach: "overdue"], classes: classes, now: start + 5, cooldown: 3600).isEmpty)
    }

    @Test("dead letters and records are bounded; the oldest go first and are counted")
    func bounds() throws {
        var state = NotificationState()
        let target = try! NotificationTarget(kind: .webhook, parsing: "http://127.0.0.1:9/hook")
        for index in 0..<(NotificationState.maximumDeadLetters + 7) {
            let payload = NotificationPayload(id: "id-\(index)", state: .firing, alertClass: .revoked, object: web, message: "",
                                              occurredAt: start)
            state.addDeadLetter(DeadLetter(target: target, payload: payload, attempts: 5, lastError: "HTTP 503", failedAt: start))
        }
        #expect(state.deadLetters.count == NotificationState.maximumDeadLetters && state.droppedDeadLetters == 7)
        #expect(state.deadLetters.first?.payload.id == "id-7")
        for index in 0..<(NotificationState.maximumRecords + 10) {
            let object = NotificationObject(kind: "Certificate", namespace: "n", name: "c\(index)")
            _ = state.transitions(for: object, active: [.revoked: "r"], classes: [.revoked], now: start, cooldown: 3600)
        }
        #expect(state.records.count == NotificationState.maximumRecords)
        #expect(try state.encoded().count < 1024 * 1024)
    }

    /// Tenants choose the names records are keyed by: 2,300 Certificates with 253-character names would pass the
    /// ConfigMap's 1 MiB long before 5,000 records, and a state the API server refuses stops every notification.
    @Test("records and dead letters are bounded by size too, so the state always fits its ConfigMap")
    func boundsBySize() throws {
        var state = NotificationState()
        for index in 0..<3000 {
            let name = String(repeating: "n", count: 245) + String(format: "%08d", index)
            let object = NotificationObject(kind: "Certificate", namespace: String(repeating: "s", count: 63), name: name)
            _ = state.transitions(for: object, active: [.issuanceFailing: "issuer not ready"], classes: [.issuanceFailing],
                                  now: start, cooldown: 3600)
        }
        #expect(state.records.count < 3000)
        let target = try NotificationTarget(kind: .webhook, parsing: "http://127.0.0.1:9/hook")
        for index in 0..<100 {
            let payload = NotificationPayload(id: "big-\(index)", state: .firing, alertClass: .revoked, object: web,
                                              message: String(repeating: "m", count: 16 * 1024), occurredAt: start)
            state.addDeadLetter(DeadLetter(target: target, payload: payload, attempts: 5, lastError: "HTTP 503", failedAt: start))
        }
        #expect(state.deadLetters.count < 100 && state.deadLetters.last?.payload.id == "big-99")
        #expect(state.droppedDeadLetters == 100 - state.deadLetters.count)
        #expect(try state.encoded().count < 1024 * 1024, "the state no longer fits a ConfigMap")
    }

    @Test("a URL's credentials and query never show in its description or errors")
    func redaction() {
        let target = try! NotificationTarget(kind: .webhook, parsing: "https://user:pw@hooks.example.com/x?token=abc")
        #expect("\(target)" == "https://hooks.example.com/x?…")
        #expect(throws: NotificationError.invalidURL(flag: "--notify-url", value: "ftp://hooks.example.com/x?…")) {
            try NotificationTarget(kind: .webhook, parsing: "ftp://u:secret@hooks.example.com/x?token=abc")
        }
    }
}
