import ControllerRuntime
import Foundation
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// Holds the first create until opened, standing in for a slow API server while repeats keep arriving.
actor EventWriteGate {
    private(set) var arrived = false
    private var opened = false
    private var waiter: CheckedContinuation<Void, Never>?

    func pass() async {
        arrived = true
        guard !opened else { return }
        await withCheckedContinuation { waiter = $0 }
    }

    func open() {
        opened = true
        waiter?.resume()
        waiter = nil
    }
}

/// The Kubernetes sink, with its creates held at a gate.
struct GatedEventSink: EventSink {
    let base: KubernetesEventSink
    let gate: EventWriteGate

    func create(_ event: Event) async throws(EventSinkError) {
        await gate.pass()
        try await base.create(event)
    }

    func update(_ event: Event) async throws(EventSinkError) { try await base.update(event) }
}

/// EventRecorder over KubernetesEventSink against the test API server, writes counted in its request journal.
@Suite("Event correlation against the API server")
struct EventCorrelationAPIServerTests {
    private let certificate = Event.ObjectReference(apiVersion: "keyward.dev/v1", kind: "Certificate", name: "web",
                                                    namespace: "default", uid: "3f1c2a9e-0000-4000-8000-0000000000aa")

    private func eventWrites(_ server: APIServer) async -> (creates: [KubeAPIServer.RequestRecord], patches: [KubeAPIServer.RequestRecord]) {
        let events = await server.requestLog().filter { $0.resource == "events" && ($0.group ?? "").isEmpty }
        return (events.filter { $0.verb == .create }, events.filter { $0.verb == .patch })
    }

    @Test func identicalRepeatsAreOneEventWithTheirCount() async throws {
        let (server, client) = try await startCluster()
        let clock = ManualClock()
        let recorder = EventRecorder(sink: KubernetesEventSink(client: client), clock: clock)
        let start = clock.now
        let n = 40
        for _ in 0..<n {
            await recorder.record(.warning, reason: "IssuerNotReady", message: "issuer ca is not ready",
                                  regarding: certificate)
            clock.advance(by: 5)
        }
        let stored = try await client.list(Event.self, in: .namespace("default")).items
        #expect(stored.count == 1)
        let event = try #require(stored.first)
        #expect(event.count == n)
        #expect(event.firstTimestamp.map { Int($0.timeIntervalSince1970) } == Int(start.timeIntervalSince1970))
        #expect(event.lastTimestamp.map { Int($0.timeIntervalSince1970) }
                == Int(start.addingTimeInterval(Double(n - 1) * 5).timeIntervalSince1970))
        #expect(event.message == "issuer ca is not ready")
        let writes = await eventWrites(server)
        #expect(writes.creates.count == 1)
        #expect(writes.patches.count <= n - 1)
        #expect(writes.patches.allSatisfy { $0.code == 200 })
        await server.shutdown()
    }

    /// Under load (a write still in flight) repeats only bump the count: N recordings cost two writes.
    @Test func repeatsDuringAWriteCostOnePatchTogether() async throws {
        let (server, client) = try await startCluster()
        let gate = EventWriteGate()
        let recorder = EventRecorder(sink: GatedEventSink(base: KubernetesEventSink(client: client), gate: gate),
                                     clock: ManualClock())
        let reference = certificate
        let first = Task {
            await recorder.record(.normal, reason: "Issued", message: "certificate issued", regarding: reference)
        }
        #expect(await within(30) { await gate.arrived })
        let n = 100
        for _ in 1..<n {
            await recorder.record(.normal, reason: "Issued", message: "certificate issued", regarding: reference)
        }
        await gate.open()
        await first.value
        let stored = try await client.list(Event.self, in: .namespace("default")).items
        #expect(stored.map(\.count) == [n])
        let writes = await eventWrites(server)
        #expect(writes.creates.count == 1)
        #expect(writes.patches.count == 1)
        await server.shutdown()
    }

    /// Concurrent reconciles reporting the same Event: one object, and the journal's write count (printed, for the
    /// record) is bounded by the recordings, never one create each.
    @Test func concurrentIdenticalEventsAreOneObject() async throws {
        let (server, client) = try await startCluster()
        let recorder = EventRecorder(sink: KubernetesEventSink(client: client), clock: ManualClock())
        let reference = certificate
        let n = 200
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<n {
                group.addTask {
                    await recorder.record(.warning, reason: "Retrying", message: "backing off", regarding: reference)
                }
            }
        }
        let stored = try await client.list(Event.self, in: .namespace("default")).items
        #expect(stored.map(\.count) == [n])
        let writes = await eventWrites(server)
        #expect(writes.creates.count == 1)
        #expect(writes.patches.count <= n - 1)
        print("event correlation: \(n) concurrent identical recordings -> \(writes.creates.count) create + \(writes.patches.count) patches")
        await server.shutdown()
    }

    @Test func similarEventsStaySeparateUpToTheBurstLimitThenCombine() async throws {
        let (server, client) = try await startCluster()
        let recorder = EventRecorder(sink: KubernetesEventSink(client: client), clock: ManualClock(),
                                     similarBurstLimit: 3)
        for i in 0..<8 {
            await recorder.record(.warning, reason: "Failed", message: "attempt \(i) failed", regarding: certificate)
        }
        // A message seen before the limit keeps its own Event; another reason is its own group.
        await recorder.record(.warning, reason: "Failed", message: "attempt 0 failed", regarding: certificate)
        await recorder.record(.normal, reason: "Issued", message: "issued", regarding: certificate)

        let stored = try await client.list(Event.self, in: .namespace("default")).items
        let failed = stored.filter { $0.reason == "Failed" }
        #expect(failed.count == 4)
        let separate = failed.filter { $0.message?.hasPrefix("(combined") == false }
        #expect(Set(separate.compactMap(\.message)) == ["attempt 0 failed", "attempt 1 failed", "attempt 2 failed"])
        #expect(separate.first { $0.message == "attempt 0 failed" }?.count == 2)
        let combined = try #require(failed.first { $0.message?.hasPrefix("(combined") == true })
        #expect(combined.count == 5)
        #expect(combined.message == "(combined from similar events): attempt 7 failed")
        #expect(stored.filter { $0.reason == "Issued" }.map(\.count) == [1])
        #expect(await recorder.trackedSimilarGroupCount == 2)
        let writes = await eventWrites(server)
        #expect(writes.creates.count == 5)  // 3 separate, 1 combined, 1 Issued
        #expect(writes.patches.count == 5)  // 4 into the combined Event, 1 repeat of attempt 0
        await server.shutdown()
    }

    @Test func aDeletedEventIsCreatedAgainWithItsCount() async throws {
        let (server, client) = try await startCluster()
        let recorder = EventRecorder(sink: KubernetesEventSink(client: client), clock: ManualClock())
        await recorder.record(.normal, reason: "Renewed", message: "renewed", regarding: certificate)
        let name = try #require(try await client.list(Event.self, in: .namespace("default")).items.first?.metadata.name)
        try await client.delete(Event.self, name: name, namespace: "default")
        await recorder.record(.normal, reason: "Renewed", message: "renewed", regarding: certificate)
        let stored = try await client.list(Event.self, in: .namespace("default")).items
        #expect(stored.map(\.metadata.name) == [name])
        #expect(stored.first?.count == 2)
        let writes = await eventWrites(server)
        #expect(writes.patches.map(\.code) == [404])
        #expect(writes.creates.filter { (200..<300).contains($0.code) }.count == 2)
        await server.shutdown()
    }
}
