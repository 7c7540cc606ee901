import ControllerRuntime
import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import Testing

/// A sink that keeps Events by name, like a tiny API server, and can be told to fail.
actor MemoryEventSink: EventSink {
    enum Failure { case none, everything, updatesNotFound }
    private(set) var events: [String: Event] = [:]
    private(set) var creates = 0
    private(set) var updates = 0
    var failure = Failure.none

    func setFailure(_ failure: Failure) { self.failure = failure }

    func forget(_ name: String) { events[name] = nil }

    func create(_ event: Event) async throws(EventSinkError) {
        await Task.yield()  // let concurrent recorders interleave, as a network round trip would
        if failure == .everything { throw .failed(name: event.metadata.name, namespace: "", reason: "injected") }
        guard events[event.metadata.name] == nil else {
            throw .failed(name: event.metadata.name, namespace: "", reason: "AlreadyExists")
        }
        creates += 1
        events[event.metadata.name] = event
    }

    func update(_ event: Event) async throws(EventSinkError) {
        await Task.yield()
        if failure == .everything { throw .failed(name: event.metadata.name, namespace: "", reason: "injected") }
        guard events[event.metadata.name] != nil, failure != .updatesNotFound else {
            throw .notFound(name: event.metadata.name, namespace: event.metadata.namespace ?? "")
        }
        updates += 1
        events[event.metadata.name] = event
    }
}

@Suite("EventRecorder aggregation (in-memory sink)")
struct EventRecorderTests {
    private let certificate = Event.ObjectReference(apiVersion: "keyward.dev/v1", kind: "Certificate", name: "web",
                                                    namespace: "prod", uid: "3f1c2a9e-0000-4000-8000-000000000001")

    @Test func repeatsWithinTheWindowBumpOneEvent() async throws {
        let clock = ManualClock()
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: clock)
        let start = clock.now
        for _ in 0..<3 {
            await recorder.record(.warning, reason: "IssuerNotReady", message: "issuer ca is not ready",
                                  regarding: certificate)
            clock.advance(by: 60)
        }
        let events = await sink.events
        #expect(events.count == 1)
        let event = try #require(events.values.first)
        #expect(event.count == 3)
        #expect(event.firstTimestamp == start)
        #expect(event.lastTimestamp == start.addingTimeInterval(120))
        #expect(event.type == .warning)
        #expect(event.source?.component == "keyward-controller")
        #expect(event.involvedObject == certificate)
        #expect(event.metadata.namespace == "prod")
        #expect(event.metadata.name.hasPrefix("web."))
        #expect(await sink.creates == 1)
        #expect(await sink.updates == 2)
    }

    @Test func aRepeatAfterTheWindowStartsANewEvent() async throws {
        let clock = ManualClock()
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: clock, aggregationWindow: 600)
        await recorder.record(.normal, reason: "Issued", message: "issued", regarding: certificate)
        clock.advance(by: 601)
        await recorder.record(.normal, reason: "Issued", message: "issued", regarding: certificate)
        let counts = await sink.events.values.map(\.count)
        #expect(counts == [1, 1])
    }

    @Test func differentTypeReasonOrMessageAreSeparateEvents() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock())
        await recorder.record(.warning, reason: "Failed", message: "a", regarding: certificate)
        await recorder.record(.warning, reason: "Failed", message: "b", regarding: certificate)
        await recorder.record(.warning, reason: "Other", message: "a", regarding: certificate)
        await recorder.record(.normal, reason: "Failed", message: "a", regarding: certificate)
        var other = certificate
        other.uid = "3f1c2a9e-0000-4000-8000-000000000002"
        await recorder.record(.warning, reason: "Failed", message: "a", regarding: other)
        let events = await sink.events
        #expect(events.count == 5)
        #expect(events.values.allSatisfy { $0.count == 1 })
    }

    @Test func concurrentRepeatsAreNeitherLostNorDuplicated() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock())
        let reference = certificate
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await recorder.record(.warning, reason: "Retrying", message: "backing off", regarding: reference)
                }
            }
        }
        let events = await sink.events
        #expect(events.count == 1)
        #expect(events.values.first?.count == 50)
    }

    @Test func sinkFailuresNeverReachTheCallerAndAreRetriedByTheNextRepeat() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock())
        await sink.setFailure(.everything)
        // `record` is non-throwing: reaching the next line is the assertion that failure stayed inside.
        await recorder.record(.warning, reason: "Failed", message: "x", regarding: certificate)
        #expect(await sink.events.isEmpty)
        await sink.setFailure(.none)
        await recorder.record(.warning, reason: "Failed", message: "x", regarding: certificate)
        let events = await sink.events
        #expect(events.count == 1)
        #expect(events.values.first?.count == 2)
    }

    @Test func anExpiredEventIsRecreatedUnderItsNameWithItsCount() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock())
        await recorder.record(.normal, reason: "Renewed", message: "renewed", regarding: certificate)
        let name = try #require(await sink.events.keys.first)
        await sink.forget(name)  // the API server's Event TTL ran out
        await recorder.record(.normal, reason: "Renewed", message: "renewed", regarding: certificate)
        let events = await sink.events
        #expect(Array(events.keys) == [name])
        #expect(events[name]?.count == 2)
    }

    @Test func theAggregationCacheIsBounded() async throws {
        let clock = ManualClock()
        // A burst limit above the message count keeps every message its own Event, so the LRU is what bounds.
        let recorder = EventRecorder(sink: MemoryEventSink(), clock: clock, cacheCapacity: 16, similarBurstLimit: 1_000)
        for i in 0..<500 {
            await recorder.record(.normal, reason: "Issued", message: "serial \(i)", regarding: certificate)
        }
        let tracked = await recorder.trackedEventCount
        #expect(tracked <= 16)
        #expect(tracked > 0)
    }

    @Test func theSimilarEventGroupsAreBounded() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock(), cacheCapacity: 16)
        for i in 0..<300 {
            var object = certificate
            object.uid = "uid-\(i)"
            await recorder.record(.warning, reason: "Failed", message: "failed", regarding: object)
        }
        let groups = await recorder.trackedSimilarGroupCount
        #expect(groups <= 16)
        #expect(groups > 0)
        #expect(await sink.events.count == 300)
    }

    @Test func similarMessagesPastTheBurstLimitJoinOneCombinedEvent() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock(), similarBurstLimit: 10)
        for i in 0..<25 {
            await recorder.record(.warning, reason: "Failed", message: "serial \(i) rejected", regarding: certificate)
        }
        let events = await sink.events.values
        #expect(events.count == 11)
        let combined = events.filter { $0.message?.hasPrefix("(combined from similar events): ") == true }
        #expect(combined.map(\.count) == [15])
        #expect(combined.first?.message == "(combined from similar events): serial 24 rejected")
        #expect(await sink.creates == 11)
        #expect(await sink.updates == 14)
    }

    @Test func longMessagesAreCutToTheEventLimit() async throws {
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: ManualClock())
        await recorder.record(.warning, reason: "Failed", message: String(repeating: "é", count: 2_000),
                              regarding: certificate)
        let message = try #require(await sink.events.values.first?.message)
        #expect(message.utf8.count <= EventRecorder.maxMessageBytes)
        #expect(message.hasSuffix("…"))
    }

    /// A burst of new Normal Events past the budget: the budget's worth written one by one, the rest one summary
    /// per (namespace, kind, reason) on the first shed object, naming the others; Warnings always written.
    @Test func normalEventsPastTheBudgetBecomeOneSummaryAndWarningsAreNeverShed() async throws {
        let clock = ManualClock()
        let sink = MemoryEventSink()
        let recorder = EventRecorder(sink: sink, clock: clock,
                                     normalBudget: .init(perSecond: 1, burst: 5, summaryInterval: 10))
        func leaf(_ name: String) -> Event.ObjectReference {
            Event.ObjectReference(apiVersion: "keyward.dev/v1alpha1", kind: "Certificate", name: name, namespace: "prod",
                                  uid: "uid-\(name)")
        }
        for i in 0..<20 { await recorder.record(.normal, reason: "Issued", message: "issued leaf-\(i)", regarding: leaf("leaf-\(i)")) }
        for i in 0..<3 { await recorder.record(.warning, reason: "IssuerNotReady", message: "waiting", regarding: leaf("bad-\(i)")) }
        #expect(await sink.creates == 5 + 3)
        #expect(await recorder.shedEventCount == 15)

        for _ in 0..<500 where clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        clock.advance(by: 10)
        for _ in 0..<500 where await sink.creates < 9 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await sink.creates == 9)
        #expect(await recorder.shedEventCount == 0)
        let summary = try #require(await sink.events.values.first { $0.message?.contains("summarised under load") == true })
        #expect(summary.involvedObject.name == "leaf-5")
        #expect(summary.type == .normal && summary.reason == "Issued")
        let message = try #require(summary.message)
        #expect(message.hasPrefix("issued leaf-5 (and 14 more Certificate Issued Events in this namespace within 10 s"))
        #expect(message.contains("leaf-6, leaf-7") && message.contains("leaf-14, …)"))
        #expect(!message.contains("leaf-15"))

        // The budget refills: a later Normal Event is written on its own again.
        clock.advance(by: 5)
        await recorder.record(.normal, reason: "Issued", message: "issued late", regarding: leaf("late"))
        #expect(await sink.creates == 10)
    }

    @Test func objectReferencesComeFromTheResource() {
        var lease = Lease(metadata: ObjectMeta(name: "keyward-controller", namespace: "keyward"))
        lease.metadata.uid = "uid-1"
        let reference = Event.ObjectReference(lease)
        #expect(reference == Event.ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease",
                                                   name: "keyward-controller", namespace: "keyward", uid: "uid-1"))
    }
}

@Suite("SecretScrubber")
struct EventRecorderScrubberTests {
    /// Random base64 standing in for key material: no real key ever sits in the test source or its output.
    private func fakeKeyBody() -> String {
        let bytes = (0..<96).map { _ in UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
    }

    @Test func pemBlocksAreRemovedAndTheRestKept() {
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "CERTIFICATE"] {
            let body = fakeKeyBody()
            let text = "cannot parse key: -----BEGIN \(label)-----\n\(body)\n-----END \(label)----- (secret prod/web)"
            let scrubbed = SecretScrubber.scrub(text)
            #expect(scrubbed == "cannot parse key: [redacted \(label)] (secret prod/web)")
        }
    }

    @Test func anUnterminatedBlockIsRemovedToTheEnd() {
        let body = fakeKeyBody()
        let scrubbed = SecretScrubber.scrub("got -----BEGIN PRIVATE KEY-----\n\(body.prefix(40))")
        #expect(scrubbed == "got [redacted PRIVATE KEY]")
        #expect(SecretScrubber.scrub("truncated -----BEGIN PRIV") == "truncated [redacted PEM block]")
    }

    @Test func base64EncodedPEMIsRemoved() {
        let pem = "-----BEGIN PRIVATE KEY-----\n\(fakeKeyBody())\n-----END PRIVATE KEY-----\n"
        let encoded = Data(pem.utf8).base64EncodedString()
        let scrubbed = SecretScrubber.scrub("data: {\"tls.key\": \"\(encoded)\"}")
        #expect(scrubbed == "data: {\"tls.key\": \"[redacted base64 PEM block]\"}")
    }

    @Test func ordinaryTextIsUntouched() {
        let text = "certificate prod/web renewed; fingerprint 3F:1C:2A; next renewal 2027-01-01T00:00:00Z -----"
        #expect(SecretScrubber.scrub(text) == text)
    }

    @Test func severalBlocksInOneMessage() {
        let text = "a -----BEGIN CERTIFICATE-----\n\(fakeKeyBody())\n-----END CERTIFICATE----- b "
            + "-----BEGIN EC PRIVATE KEY-----\n\(fakeKeyBody())\n-----END EC PRIVATE KEY----- c"
        #expect(SecretScrubber.scrub(text) == "a [redacted CERTIFICATE] b [redacted EC PRIVATE KEY] c")
    }
}
