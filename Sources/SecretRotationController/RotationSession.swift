import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import RotationStrategies

/// One reconcile's ``RotationEnvironment``: the runner's I/O against the store, plus everything users see about
/// it (conditions, Events, history, metrics). Lives for a single reconcile; everything durable is in the store.
final class RotationSession: RotationEnvironment {
    let context: SecretRotationReconciler
    let machine: RotationMachine
    private(set) var rotation: SecretRotation
    private(set) var secret: Secret?
    /// The `keyward.dev/rotate` value this reconcile consumes, recorded with every status write once it is acted on.
    let rotateRequest: String?
    /// Whether this reconcile acts on the rotate request: a rotation was in flight when it began (and satisfies the
    /// request) or one has started. Recorded any earlier (with the first values of a new SecretRotation, say), a
    /// crash before the rotation starts would lose the request.
    private var rotateHandled: Bool
    /// The `keyward.dev/rollback` value; recorded once the runner has acted on it.
    let rollbackRequest: String?
    private var rollbackHandled = false
    /// The consumers last observed, for `status.consumers`.
    private var observed: [ConsumerTracker.Consumer] = []
    /// A refused explicit consumer is reported once per reconcile, not once per observation.
    private var refusedConsumersReported = false
    private let tracker: ConsumerTracker

    init(context: SecretRotationReconciler, machine: RotationMachine, rotation: SecretRotation, secret: Secret?,
         rotateRequest: String?, rollbackRequest: String?) {
        self.context = context
        self.machine = machine
        self.rotation = rotation
        self.secret = secret
        self.rotateRequest = rotateRequest
        self.rollbackRequest = rollbackRequest
        self.rotateHandled = rotation.status?.phase?.isInProgress ?? false
        self.tracker = ConsumerTracker(store: context.store, patcher: context.patcher)
    }

    var now: Date { RotationStatus.seconds(context.clock.now) }
    private var spec: SecretRotation.Spec { rotation.spec }
    private var namespace: String { rotation.metadata.namespace ?? "default" }

    // MARK: RotationEnvironment

    func writeSecret(_ data: [String: Data]) async throws {
        var updated = secret ?? Secret(metadata: ObjectMeta(name: spec.secretName, namespace: namespace))
        updated.data = data
        for (key, value) in KeywardLabels.standard { updated.metadata.labels[key] = value }
        if updated.metadata.annotations[KeywardAnnotations.secretRotationName] == nil {
            updated.metadata.annotations[KeywardAnnotations.secretRotationName] = rotation.metadata.name
        }
        secret = secret == nil ? try await context.store.create(updated) : try await context.store.update(updated)
    }

    func writeState(_ state: RotationState, events: [RotationEvent]) async throws {
        let now = self.now
        for event in events {
            if case .rollbackStarted = event { rollbackHandled = true }
            if case .rollbackUnavailable = event { rollbackHandled = true }
            if case .rotationStarted = event { rotateHandled = true }
        }
        var status = rotation.status ?? SecretRotation.Status()
        let previousCandidate = status.candidateHash
        RotationStatus.apply(state, to: &status)
        status.observedGeneration = rotation.metadata.generation
        if rotateHandled, let rotateRequest { status.lastRotateRequest = rotateRequest }
        if rollbackHandled, let rollbackRequest { status.lastRollbackRequest = rollbackRequest }
        let data = secret?.data ?? [:]
        status.activeEnvironment = machine.layout.activeSide(in: data).flatMap {
            SecretRotation.Environment(rawValue: $0.rawValue)
        }
        status.nextRotationTime = state.lastRotationTime.flatMap { spec.nextRotation(after: $0) }.map(RotationStatus.seconds)
        apply(events, state: state, to: &status, now: now)
        setConditions(&status, state: state, events: events, now: now)
        context.metrics?.setPhase(name: rotation.metadata.name, namespace: namespace, phase: state.phase.rawValue)
        if status != rotation.status {
            var updated = rotation
            updated.status = status
            rotation = try await context.store.updateStatus(updated)
        }
        // A candidate that is no longer the one in flight (promoted, rolled back, replaced) keeps no Job or copy of
        // its values: when its Job decided, it cleaned up; otherwise this does. Whatever the spec says now: the check
        // may have been removed while its Job ran. Two deletes per change of candidate, a few per rotation.
        if let previousCandidate, previousCandidate != status.candidateHash {
            // Best effort: the state is written, and its Events and hooks below must follow whatever this does.
            do {
                try await JobVerification.discard(valuesHash: previousCandidate, rotation: rotation, store: context.store)
            } catch {
                context.logger.warning("could not remove a dropped verification candidate's Job or Secret; they go with the SecretRotation",
                                       metadata: ["object": "\(rotation.metadata.key)", "error": "\(error)"])
            }
        }
        for event in events { await record(event, state: state, now: now) }
        if context.options.runChangeHooks, events.contains(where: Self.changesValues) { await runHooks() }
    }

    func verify(_ candidate: [String: Data]) async throws -> VerificationOutcome {
        guard let verify = spec.verify else { return .passed }
        let values = candidate.mapValues { String(decoding: $0, as: UTF8.self) }
        if let http = verify.http {
            // With a Job to wait for, a check this candidate passed is not run again at every pass.
            let candidateKey = "\(rotation.metadata.uid ?? rotation.metadata.key)|\(machine.hasher.of(candidate))"
            if verify.job == nil || !context.passedHTTPChecks.contains(candidateKey, now: now) {
                let outcome = await context.probe.check(try request(http, values: values))
                if case .failed = outcome { return outcome }
                if verify.job != nil { context.passedHTTPChecks.insert(candidateKey, now: now) }
            }
        }
        if let job = verify.job {
            return try await JobVerification(store: context.store,
                                             allowedServiceAccounts: context.options.verifyJobServiceAccounts,
                                             hasher: machine.hasher)
                .run(job, candidate: candidate, rotation: rotation, now: now)
        }
        return .passed
    }

    func observeConsumers() async throws -> [ConsumerObservation] {
        let (consumers, refused) = try await tracker.consumers(of: rotation)
        observed = consumers
        if !refused.isEmpty, !refusedConsumersReported {
            refusedConsumersReported = true
            let first = refused[0]
            await context.events.record(
                .warning, reason: "ConsumerRefused",
                message: "spec.consumers.workloads: \(refused.joined(separator: ", ")) not restarted: its pod template does "
                    + "not reference Secret \(rotation.spec.secretName); whoever may edit \(first) can consent with "
                    + "\(KeywardAnnotations.allowRollout)=\(SecretRotation.kind)/\(rotation.metadata.name)",
                regarding: rotation)
        }
        return observed.map { ConsumerObservation(id: $0.reference.description, stamp: $0.stamp, rolledOut: $0.rolledOut) }
    }

    func stamp(_ consumers: [String], with stamp: String) async throws {
        try await tracker.stamp(consumers, with: stamp, rotation: rotation)
        for i in observed.indices where consumers.contains(observed[i].reference.description) {
            observed[i].stamp = stamp
            observed[i].rolledOut = false
        }
    }

    // MARK: Verification request

    private func request(_ http: SecretRotation.HTTPCheck, values: [String: String]) throws -> VerificationRequest {
        func render(_ text: String) throws -> String {
            // Validation already parsed these; a failure here is a missing candidate key, named without values.
            try VerifyTemplate(parsing: text).render(values: values)
        }
        guard let url = URL(string: http.url) else { throw VerificationSetupError(reason: "invalid URL") }
        var headers: [(name: String, value: String)] = []
        for header in http.headers { headers.append((header.name, try render(header.value))) }
        let body = try http.body.map { Data(try render($0).utf8) }
        return VerificationRequest(url: url, method: http.method.rawValue, headers: headers, body: body,
                                   expectedStatus: http.expectedStatus,
                                   timeout: http.timeout.duration?.timeInterval ?? 10)
    }

    struct VerificationSetupError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "spec.verify.http: \(reason)" }
    }

    // MARK: Status details

    private func apply(_ events: [RotationEvent], state: RotationState, to status: inout SecretRotation.Status,
                       now: Date) {
        for event in events {
            switch event {
            case .provisioned:
                addHistory(&status, revision: state.revision, result: .rotated, now: now)
            case .verificationFailed(let reason):
                status.lastError = "verification failed: \(reason)"
            case .generationFailed(let reason):
                status.lastError = "generation failed: \(reason)"
            case .migration(let decision, _):
                status.consumers = consumerStatus(decision)
                if case .timedOutHold = decision.outcome {
                    status.lastError = "consumers \(decision.pending.joined(separator: ", ")) did not roll out within "
                        + "\(spec.strategy.migrationTimeout); holding (rollback.automatic is false)"
                }
                if case .timedOutRollback = decision.outcome {
                    status.lastError = "consumers \(decision.pending.joined(separator: ", ")) did not roll out within "
                        + "\(spec.strategy.migrationTimeout)"
                }
            case .finalized(let revision, let timedOut):
                addHistory(&status, revision: revision, result: .rotated, now: now)
                status.lastError = timedOut ? status.lastError : nil
                // The gauge shows the same moment as status.lastRotationTime (the promotion), not this cleanup.
                context.metrics?.rotated(name: rotation.metadata.name, namespace: namespace,
                                         strategy: spec.strategy.type.rawValue, result: .success,
                                         at: RotationStatus.seconds(status.lastRotationTime ?? now))
            case .rolledBack(let effect, let cause, let revision):
                let attempted = switch effect {
                case .discardedCandidate: revision.saturatingIncrement
                case .restoredPrevious: revision == .min ? revision : revision - 1
                case .keptCandidate: revision
                }
                let result: SecretRotation.RotationResult = switch cause {
                case .verificationFailed: .verificationFailed
                case .migrationTimedOut: .migrationTimedOut
                case .manualRollback: .rolledBack
                case .generationFailed, .candidateLost: .failed
                }
                addHistory(&status, revision: attempted, result: result, now: now)
                if cause == .candidateLost { status.lastError = "the candidate disappeared from the Secret before promotion" }
                if cause == .manualRollback { status.lastError = nil }
                let metric: SecretRotationMetrics.RotationResult = switch cause {
                case .generationFailed, .candidateLost: .failure
                default: .rolledBack
                }
                context.metrics?.rotated(name: rotation.metadata.name, namespace: namespace,
                                         strategy: spec.strategy.type.rawValue, result: metric, at: now)
            default: break
            }
        }
    }

    private func consumerStatus(_ decision: MigrationDecision) -> SecretRotation.ConsumerStatus {
        let migrated = Set(decision.migrated)
        let items = observed.map { c in
            SecretRotation.ConsumerProgress(kind: c.reference.kind, name: c.reference.name, revision: c.stamp,
                                            rolledOut: migrated.contains(c.reference.description))
        }
        return SecretRotation.ConsumerStatus(total: decision.migrated.count + decision.pending.count,
                                             migrated: decision.migrated.count, pending: decision.pending, items: items)
    }

    private func addHistory(_ status: inout SecretRotation.Status, revision: Int,
                            result: SecretRotation.RotationResult, now: Date) {
        status.history.insert(SecretRotation.HistoryEntry(revision: revision, time: now, result: result), at: 0)
        if status.history.count > spec.historyLimit { status.history.removeLast(status.history.count - spec.historyLimit) }
    }

    private func setConditions(_ status: inout SecretRotation.Status, state: RotationState, events: [RotationEvent],
                               now: Date) {
        typealias R = SecretRotation.Reason
        let (rotatingStatus, rotatingReason) = RotationStatus.rotating(state)
        status.conditions.set(condition(SecretRotation.ConditionType.rotating, rotatingStatus, rotatingReason,
                                        rotatingMessage(state, status: status), now))
        let ready = SecretRotation.ConditionType.ready
        let revision = state.revision
        switch state.phase {
        case .idle:
            let existing = status.conditions[type: ready]
            let rolledBack = events.contains { if case .rolledBack(_, .manualRollback, _) = $0 { true } else { false } }
                || (events.isEmpty && existing?.status == .true && existing?.reason == R.rolledBack)
            var message = rolledBack ? "rolled back: revision \(revision) holds the previous value"
                : "revision \(revision) is live"
            if spec.suspend { message += "; scheduled rotation is suspended" }
            else if let next = status.nextRotationTime { message += "; next rotation at \(RotationStatus.format(next))" }
            let reason = spec.suspend ? R.suspended : rolledBack ? R.rolledBack : R.rotated
            status.conditions.set(condition(ready, .true, reason, message, now))
        case .failed:
            let reason = state.cause?.rawValue ?? "Failed"
            var message = status.lastError ?? "the last rotation failed"
            if let retry = state.nextRetryTime { message += "; retry at \(RotationStatus.format(retry))" }
            status.conditions.set(condition(ready, .false, reason, message, now))
        default:
            let held = events.contains { if case .migration(let d, _) = $0, d.outcome == .timedOutHold { true } else { false } }
            if held {
                status.conditions.set(condition(ready, .false, R.migrationTimedOut, status.lastError ?? "", now))
            } else if status.conditions[type: ready] == nil {
                status.conditions.set(condition(ready, .unknown, rotatingReason, "first rotation in progress", now))
            }
        }
    }

    private func rotatingMessage(_ state: RotationState, status: SecretRotation.Status) -> String {
        switch state.phase {
        case .idle: return "no rotation in progress"
        case .failed: return "no rotation in progress; the last attempt failed"
        case .generating: return "writing a new candidate"
        case .verifying: return "verifying the candidate"
        case .promoting: return "promoting the verified candidate"
        case .migrating:
            let c = status.consumers ?? SecretRotation.ConsumerStatus()
            return "\(c.migrated)/\(c.total) consumers rolled out"
                + (c.pending.isEmpty ? "" : "; pending: \(c.pending.joined(separator: ", "))")
        case .finalizing: return "finishing revision \(state.revision)"
        case .rollingBack: return "rolling back (\((state.cause ?? .manualRollback).rawValue))"
        }
    }

    private func condition(_ type: String, _ value: Condition.Status, _ reason: String, _ message: String,
                           _ now: Date) -> Condition {
        Condition(type: type, status: value, reason: reason, message: message,
                  observedGeneration: rotation.metadata.generation, lastTransitionTime: now)
    }

    // MARK: Events

    private func record(_ event: RotationEvent, state: RotationState, now: Date) async {
        typealias R = SecretRotation.Reason
        let events = context.events
        func normal(_ reason: String, _ message: String) async {
            await events.record(.normal, reason: reason, message: message, regarding: rotation)
        }
        func warning(_ reason: String, _ message: String) async {
            await events.record(.warning, reason: reason, message: message, regarding: rotation)
        }
        switch event {
        case .provisioned(let keys):
            await normal(R.rotated, "generated first values for \(keys.joined(separator: ", ")) in Secret "
                         + "\(spec.secretName) (revision \(state.revision))")
        case .rotationStarted(let manual):
            await normal(R.generating, manual ? "rotation requested (\(KeywardAnnotations.rotate))" : "scheduled rotation started")
        case .retrying(let attempt):
            await normal(R.generating, "retrying the rotation (attempt \(attempt))")
        case .candidateWritten, .rollbackStarted:
            if case .rollbackStarted = event { await normal(R.rolledBack, "rollback requested (\(KeywardAnnotations.rollback))") }
        case .verificationPassed:
            await normal(R.verifying, "the candidate passed verification")
        case .verificationFailed(let reason):
            await warning(R.verificationFailed, "the candidate failed verification and was discarded: \(reason)")
        case .generationFailed(let reason):
            await warning(R.generationFailed, "generating a candidate failed: \(reason)")
        case .promoted(let revision):
            await normal(R.promoting, "revision \(revision) is live in Secret \(spec.secretName)")
        case .migration(let decision, let rolledOut):
            if !rolledOut.isEmpty {
                await normal(R.migrating, "rolling out \(rolledOut.joined(separator: ", ")) "
                             + "(\(decision.migrated.count)/\(decision.migrated.count + decision.pending.count) done)")
            }
            if decision.outcome == .timedOutHold {
                await warning(R.migrationTimedOut, "consumers \(decision.pending.joined(separator: ", ")) did not "
                              + "roll out within \(spec.strategy.migrationTimeout); holding for a manual decision")
            }
        case .finalized(let revision, let timedOut):
            if timedOut {
                await warning(R.migrationTimedOut, "rotated to revision \(revision) although not every consumer "
                              + "rolled out within \(spec.strategy.migrationTimeout) (onMigrationTimeout: promote)")
            } else {
                await normal(R.rotated, "rotated to revision \(revision)")
            }
        case .rolledBack(let effect, let cause, let revision):
            let what = switch effect {
            case .discardedCandidate: "discarded the candidate; the committed value was never replaced"
            case .restoredPrevious: "restored the previous value (revision \(revision))"
            case .keptCandidate: "kept the new value: strategy \(spec.strategy.type) keeps no previous value"
            }
            if cause == .manualRollback { await normal(R.rolledBack, "rolled back: \(what)") }
            else { await warning(R.rolledBack, "rolled back after \(cause.rawValue): \(what)") }
        case .rollbackUnavailable(let reason):
            await warning(R.rolledBack, "rollback not possible: \(reason)")
        }
    }

    private static func changesValues(_ event: RotationEvent) -> Bool {
        switch event {
        case .provisioned, .promoted: true
        case .rolledBack(.restoredPrevious, _, _): true
        default: false
        }
    }

    private func runHooks() async {
        let environment = ["KEYWARD_SECRET_NAME": spec.secretName, "KEYWARD_SECRETROTATION": rotation.metadata.name,
                           "KEYWARD_NAMESPACE": namespace]
        // The hook's output is logged (bounded), never with a value of the Secret in it.
        let values = (secret.map { Array($0.data.values) } ?? []).compactMap { String(data: $0, encoding: .utf8) }
            .filter { $0.count >= 4 }
        func redacted(_ output: String) -> String {
            values.reduce(SecretScrubber.scrub(output)) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
        let object = "\(namespace)/\(rotation.metadata.name)"
        for hook in spec.onChange {
            do {
                if let ran = try await ChangeHooks.run(hook, environment: environment) {
                    context.logger.info("onChange hook ran", metadata: [
                        "object": "\(object)", "command": "\(ran.command)", "exitCode": "0", "output": "\(redacted(ran.output))"])
                }
            } catch {
                context.logger.warning("onChange hook failed", metadata: [
                    "object": "\(object)", "command": "\(error.command)", "error": "\(error.reason)",
                    "output": "\(redacted(error.output))"])
                await context.events.record(.warning, reason: "HookFailed", message: error.description, regarding: rotation)
            }
        }
    }

    /// Status for a run that changed nothing else (spec edits, suspend, the next rotation time).
    func refresh(_ state: RotationState) async throws {
        try await writeState(state, events: [])
    }
}
