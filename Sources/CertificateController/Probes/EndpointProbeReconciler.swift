import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import Logging
import TLSProbe

/// Probes a Certificate's `spec.endpoints` and reports what they serve: `status.endpoints[]` and the `Served`
/// condition, an Event on every Served transition, and the observers (metrics, notifications).
///
/// It runs as its own controller (own work queue), so a slow endpoint never holds up issuance; each pass probes
/// only the endpoints that are due (``EndpointProbeSchedule``), at most ``Options/maxConcurrentProbes`` at a time,
/// each bounded by the prober's timeout, and asks to be requeued when the next one is due. The serial it compares
/// with is `status.serialNumber`, which the issuing pass writes after the Secret, so the status change of a renewal
/// is what enqueues the prompt probe. Tenant-chosen addresses: the prober enforces the egress policy.
public struct EndpointProbeReconciler: Reconciler {
    public struct Options: Sendable {
        public var schedule = EndpointProbeSchedule()
        public var maxConcurrentProbes = 4
        public init() {}
    }

    let store: any ResourceStore
    let events: EventRecorder
    let clock: any WallClock
    let prober: any EndpointProber
    let options: Options
    let observers: [any EndpointProbeObserver]
    let logger: Logger

    public init(store: any ResourceStore, events: EventRecorder, prober: any EndpointProber, clock: any WallClock = SystemClock(),
                options: Options = Options(), observers: [any EndpointProbeObserver] = [],
                logger: Logger = Logger(label: "keyward.endpoints")) {
        self.store = store
        self.events = events
        self.clock = clock
        self.prober = prober
        self.options = options
        self.observers = observers
        self.logger = logger
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let certificate = try await store.get(Certificate.self, namespace: key.namespace, name: key.name),
              !certificate.metadata.isBeingDeleted
        else {
            for observer in observers { await observer.removed(namespace: key.namespace, name: key.name) }
            return .done
        }
        let endpoints = certificate.spec.endpoints
        // Without endpoints (or with a spec the certificate controller refuses) there is nothing to report.
        guard !endpoints.isEmpty, certificate.spec.validate().isEmpty else { return try await clear(certificate) }
        // Nothing issued yet: the issuing pass's status write enqueues this Certificate again.
        guard let current = certificate.status?.serialNumber else { return .done }

        let now = clock.now
        let previous = certificate.status?.endpoints ?? []
        var entries = endpoints.map { endpoint in
            previous.first { $0.describes(endpoint) }
                ?? Certificate.EndpointStatus(address: endpoint.address, serverName: endpoint.serverName)
        }
        let due = endpoints.indices.filter { options.schedule.nextProbe(entries[$0], endpoint: endpoints[$0], currentSerial: current) <= now }
        if !due.isEmpty {
            let issued = certificate.status?.issuedSerials ?? []
            for (index, result) in await probe(due.map { endpoints[$0] }).enumerated() {
                entries[due[index]] = Self.record(result, into: entries[due[index]], current: current, issued: issued, now: now)
            }
            let updated = try await write(certificate, entries: entries, current: current, now: now)
            for observer in observers { await observer.observe(updated) }
        }
        let next = endpoints.indices.map { options.schedule.nextProbe(entries[$0], endpoint: endpoints[$0], currentSerial: current) }.min()
        return ReconcileResult(requeueAfter: max(1, (next ?? now.addingTimeInterval(300)).timeIntervalSince(clock.now)))
    }

    /// Probes `endpoints`, at most ``Options/maxConcurrentProbes`` at a time; results in the same order.
    private func probe(_ endpoints: [Certificate.Endpoint]) async -> [Result<ServedChain, ProbeFailure>?] {
        var results = [Result<ServedChain, ProbeFailure>?](repeating: nil, count: endpoints.count)
        let prober = self.prober
        let width = max(1, options.maxConcurrentProbes)
        for start in stride(from: 0, to: endpoints.count, by: width) {
            await withTaskGroup(of: (Int, Result<ServedChain, ProbeFailure>?).self) { group in
                for index in start..<min(start + width, endpoints.count) {
                    let target = endpoints[index].target
                    group.addTask { (index, target == nil ? nil : await prober.probe(target!)) }
                }
                for await (index, result) in group { results[index] = result }
            }
        }
        return results
    }

    /// One probe's outcome in an endpoint's status entry.
    static func record(_ result: Result<ServedChain, ProbeFailure>?, into entry: Certificate.EndpointStatus, current: String,
                       issued: [String], now: Date) -> Certificate.EndpointStatus {
        var entry = entry
        let renewed = entry.expectedSerial != current
        entry.expectedSerial = current
        entry.lastChecked = seconds(now)
        switch result {
        case .success(let chain)?:
            let served = chain.leafInfo.serialHex.uppercased()
            let verdict = ServedVerdict(servedSerial: served, currentSerial: current, issuedSerials: issued)
            entry.servedSerial = served
            entry.servedNotAfter = seconds(chain.leafInfo.notAfter)
            entry.matches = verdict == .current
            entry.reason = verdict.rawValue
            entry.error = nil
        case .failure(let failure)?:
            entry.servedSerial = nil
            entry.servedNotAfter = nil
            entry.matches = false
            entry.reason = failure.isUnreachable ? Certificate.Reason.servedUnreachable : Certificate.Reason.servedTLSError
            entry.error = failure.description
        case nil:  // unreachable in practice: validate() passed, so every target parses
            entry.matches = false
            entry.reason = Certificate.Reason.servedUnreachable
            entry.error = "invalid address"
        }
        entry.failedChecks = entry.matches ? nil : (renewed ? 1 : (entry.failedChecks ?? 0) + 1)
        return entry
    }

    /// Writes the entries and the Served condition; on a Served transition records an Event and tells observers.
    private func write(_ certificate: Certificate, entries: [Certificate.EndpointStatus], current: String,
                       now: Date) async throws -> Certificate {
        var status = certificate.status ?? Certificate.Status()
        status.endpoints = entries
        let before = status.conditions[type: Certificate.ConditionType.served]
        if let verdict = ServedCondition.evaluate(entries, currentSerial: current) {
            status.conditions.set(Condition(type: Certificate.ConditionType.served, status: verdict.status, reason: verdict.reason,
                                            message: verdict.message, observedGeneration: certificate.metadata.generation,
                                            lastTransitionTime: seconds(now)))
        }
        guard status != certificate.status else { return certificate }
        var updated = certificate
        updated.status = status
        updated = try await store.updateStatus(updated)
        if let served = status.conditions[type: Certificate.ConditionType.served],
           before?.status != served.status || before?.reason != served.reason {
            await events.record(served.status == .true ? .normal : .warning, reason: served.reason, message: served.message,
                                regarding: certificate)
            logger.info("served condition changed", metadata: [
                "certificate": "\(certificate.metadata.key)", "served": "\(served.status.rawValue)", "reason": "\(served.reason)"])
            for observer in observers { await observer.servedChanged(updated, to: served, from: before) }
        }
        return updated
    }

    /// Drops endpoint status and the Served condition a Certificate no longer has endpoints for.
    private func clear(_ certificate: Certificate) async throws -> ReconcileResult {
        for observer in observers { await observer.removed(namespace: certificate.metadata.namespace, name: certificate.metadata.name) }
        guard var status = certificate.status,
              !status.endpoints.isEmpty || status.conditions[type: Certificate.ConditionType.served] != nil
        else { return .done }
        status.endpoints = []
        status.conditions.removeAll { $0.type == Certificate.ConditionType.served }
        var updated = certificate
        updated.status = status
        _ = try await store.updateStatus(updated)
        return .done
    }
}
