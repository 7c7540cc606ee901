import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources

/// Watches one Secret through the API server: list-then-watch narrowed by `metadata.name`, so RBAC can grant
/// `get`/`list`/`watch` on that single Secret (resourceNames) instead of every Secret in the namespace.
///
/// A watch that ends is resumed from the last resourceVersion; a 410 relists; any other failure is reported as
/// ``SecretUpdate/interrupted(reason:)`` and retried with backoff, forever, because a sidecar must survive API
/// server restarts.
public struct KubernetesSecretSource: SecretSource {
    public let client: KubernetesClient
    public let namespace: String
    public let name: String
    public var clock: any WallClock
    public var backoff: Backoff
    /// Server-side watch timeout; the watch is then resumed.
    public var watchTimeoutSeconds: Int

    public init(client: KubernetesClient, namespace: String, name: String, clock: any WallClock = SystemClock(),
                backoff: Backoff = Backoff(base: 0.5, cap: 30, jitter: 0.5), watchTimeoutSeconds: Int = 300) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.clock = clock
        self.backoff = backoff
        self.watchTimeoutSeconds = watchTimeoutSeconds
    }

    public func updates() -> AsyncStream<SecretUpdate> {
        let (stream, continuation) = AsyncStream<SecretUpdate>.makeStream(bufferingPolicy: .unbounded)
        let task = Task { [self] in
            await follow(continuation)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private var selector: String { "metadata.name=\(name)" }

    private func follow(_ continuation: AsyncStream<SecretUpdate>.Continuation) async {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let list = try await client.list(
                        Secret.self, in: .namespace(namespace), options: ListOptions(fieldSelector: selector))
                    continuation.yield(list.items.first.map { .present(Self.snapshot($0)) } ?? .absent)
                    resourceVersion = list.metadata.resourceVersion
                }
                let events = try await client.watch(
                    Secret.self, in: .namespace(namespace),
                    options: WatchOptions(fieldSelector: selector, resourceVersion: resourceVersion,
                                          timeoutSeconds: watchTimeoutSeconds))
                failures = 0
                for try await event in events {
                    switch event {
                    case .added(let secret), .modified(let secret):
                        continuation.yield(.present(Self.snapshot(secret)))
                    case .deleted:
                        continuation.yield(.absent)
                    case .bookmark:
                        break
                    case .unreadable(let item, _):
                        continuation.yield(.interrupted(reason: "the Secret could not be read: \(item.reason)"))
                    }
                    if let version = event.resourceVersion, !version.isEmpty { resourceVersion = version }
                }
            } catch let error as KubernetesError where error.isGone {
                resourceVersion = nil  // history compacted: relist to learn the current state
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                continuation.yield(.interrupted(reason: "\(error)"))
                let delay = backoff.delay(attempt: failures)
                failures += 1
                do { try await clock.sleep(until: clock.now.addingTimeInterval(delay)) } catch { return }
            }
        }
    }

    static func snapshot(_ secret: Secret) -> SecretSnapshot {
        SecretSnapshot(type: secret.type, data: secret.data, resourceVersion: secret.metadata.resourceVersion)
    }
}
