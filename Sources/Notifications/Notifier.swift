import Foundation
import KeywardCore
import KubernetesClient
import Logging

/// Turns observed alert levels into notifications: decides transitions against the persisted state (cooldown per
/// object and class), signs and delivers them to every target with bounded retries, and keeps what keeps failing
/// as dead letters that ``replay()`` delivers later.
///
/// The decision is stored before delivery: a crash in between loses at most that notification, never repeats one
/// inside the cooldown (after a restart or a leader change the stored state says it was sent).
public actor Notifier {
    public struct Configuration: Sendable {
        public var webhooks: [NotificationTarget] = []
        public var alertmanager: NotificationTarget?
        /// Required when there are webhooks: they are always signed.
        public var signingKey: SigningKey?
        /// `--notify-cooldown`: at most one `firing` per object and class in this window.
        public var cooldown: TimeInterval = Notifier.defaultCooldown
        public var delivery = DeliveryPolicy()
        /// Where targets may connect.
        public var egress = EgressPolicy()

        public init() {}

        public var targets: [NotificationTarget] { webhooks + (alertmanager.map { [$0] } ?? []) }
        public var isEmpty: Bool { targets.isEmpty }
    }

    public static let defaultCooldown: TimeInterval = 3600

    /// What a replay did.
    public struct ReplayReport: Sendable, Hashable {
        public var delivered = 0
        public var stillFailing = 0
        /// Letters for a target not configured now (kept, not sent: only configured targets receive).
        public var notConfigured = 0
        public init() {}
    }

    public let configuration: Configuration
    private let store: any NotificationStateStore
    private let transport: any NotificationTransport
    private let clock: any WallClock
    private let metrics: (any NotificationMetrics)?
    private let logger: Logger

    public init(configuration: Configuration, store: any NotificationStateStore, transport: any NotificationTransport,
                clock: any WallClock = SystemClock(), metrics: (any NotificationMetrics)? = nil,
                logger: Logger = Logger(label: "keyward.notify")) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Feeds one object's current alert levels (`classes`: the ones that apply to its kind; those missing from
    /// `active` are inactive). Returns the notifications this produced, after delivering them.
    @discardableResult
    public func observe(_ object: NotificationObject, active: [AlertClass: String],
                        classes: Set<AlertClass>) async throws -> [NotificationPayload] {
        let now = clock.now
        let cooldown = configuration.cooldown
        let (payloads, deadLetters) = try await store.modify { state in
            (state.transitions(for: object, active: active, classes: classes, now: now, cooldown: cooldown), state.deadLetters.count)
        }
        metrics?.setDeadLetters(deadLetters)  // also right after a restart, from the stored list
        for payload in payloads {
            logger.info("notification", metadata: ["object": "\(object)", "class": "\(payload.alertClass.rawValue)",
                                                   "state": "\(payload.state.rawValue)"])
            for target in configuration.targets { try await deliver(payload, to: target, attempts: configuration.delivery.attempts) }
        }
        return payloads
    }

    /// Delivers every dead letter once more (with the usual retries); those delivered leave the list.
    public func replay() async throws -> ReplayReport {
        let letters = try await store.read().deadLetters
        var report = ReplayReport()
        for letter in letters {
            guard let target = configuration.targets.first(where: { letter.target.names($0, signingKey: configuration.signingKey) }) else {
                report.notConfigured += 1
                continue
            }
            let delivered = await attempt(letter.payload, to: target, attempts: configuration.delivery.attempts)
            switch delivered {
            case .success:
                report.delivered += 1
                let count = try await store.modify { state in
                    state.deadLetters.removeAll { $0.payload.id == letter.payload.id && $0.target == letter.target }
                    return state.deadLetters.count
                }
                metrics?.setDeadLetters(count)
            case .failure:
                report.stillFailing += 1
            }
        }
        return report
    }

    public func deadLetters() async throws -> [DeadLetter] { try await store.read().deadLetters }

    private func deliver(_ payload: NotificationPayload, to target: NotificationTarget, attempts: Int) async throws {
        if case .failure(let failure) = await attempt(payload, to: target, attempts: attempts) {
            logger.warning("notification not delivered; kept as a dead letter for `keyward notify replay`",
                           metadata: ["target": "\(target)", "class": "\(payload.alertClass.rawValue)", "error": "\(failure.reason)"])
            let letter = DeadLetter(target: target, payload: payload, attempts: failure.attempts, lastError: failure.reason,
                                    failedAt: clock.now, signingKey: target.kind == .webhook ? configuration.signingKey : nil)
            let count = try await store.modify { state in
                state.addDeadLetter(letter)
                return state.deadLetters.count
            }
            metrics?.setDeadLetters(count)
        }
    }

    struct DeliveryFailure: Error {
        var reason: String
        var attempts: Int
    }

    /// Up to `attempts` POSTs with backoff in between; a fresh signature (timestamp) on every attempt.
    private func attempt(_ payload: NotificationPayload, to target: NotificationTarget,
                         attempts: Int) async -> Result<Void, DeliveryFailure> {
        let body: Data
        do {
            body = target.kind == .webhook ? try payload.encoded() : try AlertmanagerAlert.body(payload)
        } catch {
            return .failure(DeliveryFailure(reason: "cannot encode the payload", attempts: 0))
        }
        var reason = "not attempted"
        for attempt in 0..<max(1, attempts) {
            if attempt > 0 {
                do { try await clock.sleep(for: .milliseconds(Int64(configuration.delivery.backoff.delay(attempt: attempt - 1) * 1000))) } catch {
                    return .failure(DeliveryFailure(reason: "cancelled", attempts: attempt))
                }
            }
            var headers = [(name: "Content-Type", value: "application/json"), (name: "User-Agent", value: "keyward")]
            if target.kind == .webhook {
                guard let key = configuration.signingKey else {
                    return .failure(DeliveryFailure(reason: "no signing key configured", attempts: attempt))
                }
                headers.append((NotificationSignature.headerName,
                                NotificationSignature.header(body: body, key: key, timestamp: clock.now)))
                headers.append(("Keyward-Notification-Id", payload.id))
            }
            do {
                let status = try await transport.post(target.endpoint, headers: headers, body: body,
                                                      egress: configuration.egress, timeout: configuration.delivery.timeout)
                if (200..<300).contains(status) {
                    metrics?.notificationSent(target.kind)
                    return .success(())
                }
                reason = "HTTP \(status)"
            } catch {
                reason = Self.describe(error)
            }
            metrics?.notificationFailed(target.kind)
        }
        return .failure(DeliveryFailure(reason: reason, attempts: max(1, attempts)))
    }

    /// A class of failure only: transport errors quote the URL (with its query) and curl's words.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? TransportError else { return "request failed" }
        switch error {
        case .dns: return "name not resolved"
        case .connect: return "connection refused or unreachable"
        case .tls: return "TLS error"
        case .timeout: return "timed out"
        case .connectionLost: return "connection lost"
        case .other(_, let code, _): return "transfer failed (curl \(code))"
        case .egressDenied: return "egress denied"
        case .bodyTooLarge: return "response too large"
        case .shutdown: return "shutting down"
        }
    }
}
