import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import RotationStrategies

/// Converges one `SecretRotation`: values in its Secret, rotated on schedule or on request through the strategy's
/// phases (``RotationRunner``), verified before promotion, rolled out to consumers, rolled back when that fails.
///
/// Level-triggered: every call re-reads the SecretRotation, its Secret and its consumers, and resumes from the
/// persisted phase. Secret values never reach status, Events, logs or errors — only their hashes do.
public struct SecretRotationReconciler: Reconciler {
    public struct Options: Sendable {
        /// Delay before a failed rotation is retried: 1m doubling to 1h, deterministic (shown in status).
        public var retryBackoff = RotationPolicy.defaultRetryBackoff
        /// How often Migrating re-reads consumer rollouts when no watch event wakes it.
        public var rolloutPollInterval: TimeInterval = 5
        /// Run `spec.onChange` commands after every change of the values (standalone mode's consumers).
        public var runChangeHooks = false
        /// Service accounts a verification Job may name besides `default`: `namespace/name` or `*/name`
        /// (`--verify-job-service-accounts`).
        public var verifyJobServiceAccounts: Set<String> = []
        /// Re-check interval for a Secret held by someone else (no watch covers Secrets without our label).
        public var foreignSecretRetry: TimeInterval = 300

        /// The key candidate hashes and pod-template stamps are keyed with; nil hashes without a key (tests).
        public var hashKey: (any ValuesHashKeySource)?
        public init(runChangeHooks: Bool = false) { self.runChangeHooks = runChangeHooks }
    }

    let store: any ResourceStore
    let events: EventRecorder
    let clock: any WallClock
    let options: Options
    let probe: any VerificationProbe
    let patcher: any WorkloadPatcher
    let metrics: SecretRotationMetrics?
    let logger: Logger
    /// HTTP checks passed by candidates whose Job still runs (shared by every pass of this reconciler).
    let passedHTTPChecks = PassedHTTPChecks()

    /// - Parameters:
    ///   - probe: runs `spec.verify.http` checks; default libcurl with the system trust store and the default
    ///     ``EgressPolicy`` (the operator passes one built from `--egress-deny-cidr` / `--egress-allow-cidr`).
    ///   - patcher: stamps consumer pod templates; default a merge patch through the store's client.
    ///   - metrics: the operator's registry; the reconciler feeds its ``SecretRotationMetrics`` family there.
    public init(store: any ResourceStore, events: EventRecorder, clock: any WallClock = SystemClock(),
                options: Options = Options(), probe: (any VerificationProbe)? = nil,
                patcher: (any WorkloadPatcher)? = nil, metrics: KeywardMetrics? = nil,
                logger: Logger = Logger(label: "keyward.secretrotation")) {
        self.store = store
        self.events = events
        self.clock = clock
        self.options = options
        self.probe = probe ?? HTTPVerificationProbe()
        self.patcher = patcher ?? StoreWorkloadPatcher(store: store)
        self.metrics = metrics?.family(SecretRotationMetrics.self)
        self.logger = logger
    }

    /// Keyed with the operator's key when one is configured.
    private func valuesHasher() async throws -> ValuesHasher {
        guard let source = options.hashKey else { return .unkeyed }
        let key = try await source.key()
        guard let hasher = ValuesHasher(key: key) else {
            throw ValuesHashKeyError.unusable(location: "the configured key source", reason: "too short")
        }
        return hasher
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard var rotation = try await store.get(SecretRotation.self, namespace: key.namespace, name: key.name) else {
            metrics?.remove(name: key.name, namespace: key.namespace ?? "default")
            return .done
        }
        if rotation.metadata.isBeingDeleted { return .done }
        let namespace = rotation.metadata.namespace ?? key.namespace ?? "default"
        rotation.metadata.namespace = namespace

        if let violation = rotation.spec.validate().first {
            return try await invalidSpec(rotation, message: violation.description)
        }
        let policy: RotationPolicy
        let keys: [RotatedKey]
        do {
            policy = try RotationSpecMapping.policy(rotation.spec, retryBackoff: options.retryBackoff)
            keys = try RotationSpecMapping.keys(rotation.spec)
        } catch {
            return try await invalidSpec(rotation, message: "\(error.field): \(error.reason)")
        }
        let siblings = try await store.list(SecretRotation.self, namespace: namespace)
        if let conflict = KeyOwnership.conflict(of: rotation, among: siblings) {
            return try await invalidSpec(rotation, message: conflict)
        }

        let secret: Secret?
        do {
            secret = try await store.get(Secret.self, namespace: namespace, name: rotation.spec.secretName)
        } catch StoreError.invalid(_, _, let reason) {
            // Too large to read (someone inflated it): never written over, reported until it shrinks or goes.
            return try await invalidSpec(rotation, message: "spec.secretName: \(reason)")
        }
        if let secret, !SecretOwnership.mayWrite(secret, for: rotation) {
            _ = try await invalidSpec(rotation, message: SecretOwnership.notOwnedMessage(secret, rotation: rotation),
                                      reason: SecretRotation.Reason.secretNotOwned)
            // No watch covers a Secret without our label: look again later in case its owner consents.
            return ReconcileResult(requeueAfter: options.foreignSecretRetry)
        }
        let now = RotationStatus.seconds(clock.now)
        var state = RotationStatus.state(from: rotation.status)
        if state.phase == .failed, rotation.status?.observedGeneration != rotation.metadata.generation {
            // The spec changed since the failure (perhaps fixing it): start over instead of waiting out the backoff.
            state.enter(.idle, at: now)
            state.failedAttempts = 0
            state.nextRetryTime = nil
        }

        let status = rotation.status
        let rotateRequest = rotation.metadata.annotations[KeywardAnnotations.rotate]
            .flatMap { $0 != status?.lastRotateRequest ? $0 : nil }
        let rollbackRequest = rotation.metadata.annotations[KeywardAnnotations.rollback]
            .flatMap { $0 != status?.lastRollbackRequest ? $0 : nil }
        let due = state.lastRotationTime.flatMap { rotation.spec.nextRotation(after: $0) }.map { $0 <= now } ?? false
        let triggers = RotationRunner.Triggers(scheduleDue: due && !rotation.spec.suspend,
                                               retriesAllowed: !rotation.spec.suspend,
                                               manualRotate: rotateRequest != nil,
                                               manualRollback: rollbackRequest != nil)

        let runner = RotationRunner(policy: policy, keys: keys, rolloutPollInterval: options.rolloutPollInterval,
                                    hasher: try await valuesHasher())
        let session = RotationSession(context: self, machine: runner.machine, rotation: rotation, secret: secret,
                                      rotateRequest: rotateRequest, rollbackRequest: rollbackRequest)
        let stop: RotationRunner.Stop
        do {
            (stop, state) = try await runner.run(state: state, data: secret?.data, triggers: triggers,
                                                 environment: session)
        } catch let error as RotationRunError {
            return try await invalidSpec(session.rotation, message: error.description,
                                         reason: SecretRotation.Reason.generationFailed)
        }
        try await session.refresh(state)

        let after = RotationStatus.seconds(clock.now)
        switch stop {
        case .idle:
            guard !rotation.spec.suspend, let next = session.rotation.status?.nextRotationTime else { return .done }
            return ReconcileResult(requeueAfter: max(1, next.timeIntervalSince(after)))
        case .failed(let retryAt):
            if rotation.spec.suspend { return .done }
            return ReconcileResult(requeueAfter: max(1, retryAt.timeIntervalSince(after)))
        case .waiting(let until):
            return ReconcileResult(requeueAfter: max(1, until.timeIntervalSince(after)))
        case .stepLimit:
            logger.warning("rotation did not settle within one reconcile", metadata: ["object": "\(key)"])
            return ReconcileResult(requeueAfter: 1)
        }
    }

    /// Ready=False with the reason, a Warning Event, and no retry: the next spec change enqueues the object again.
    private func invalidSpec(_ rotation: SecretRotation, message: String,
                             reason: String = SecretRotation.Reason.invalidSpec) async throws -> ReconcileResult {
        let now = RotationStatus.seconds(clock.now)
        var status = rotation.status ?? SecretRotation.Status()
        status.observedGeneration = rotation.metadata.generation
        status.lastError = message
        let generation = rotation.metadata.generation
        status.conditions.set(Condition(type: SecretRotation.ConditionType.ready, status: .false, reason: reason,
                                        message: message, observedGeneration: generation, lastTransitionTime: now))
        if !(status.phase?.isInProgress ?? false) {
            status.conditions.set(Condition(type: SecretRotation.ConditionType.rotating, status: .false, reason: reason,
                                            message: message, observedGeneration: generation, lastTransitionTime: now))
        }
        guard status != rotation.status else { return .done }
        var updated = rotation
        updated.status = status
        _ = try await store.updateStatus(updated)
        await events.record(.warning, reason: reason, message: message, regarding: rotation)
        return .done
    }
}
