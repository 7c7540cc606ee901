import Foundation
import KeywardCore
import Logging
import ServiceLifecycle

/// Runs a reconciler over a work queue with N concurrent workers.
///
/// A key is never reconciled by two workers at once (the queue guarantees it). On graceful shutdown the queue
/// stops handing out keys and in-flight reconciles finish; a second cancellation (the shutdown deadline) cancels
/// them.
public struct Controller<R: Reconciler>: Service {
    public let name: String
    public let queue: WorkQueue<ObjectKey>
    public let reconciler: R
    public let concurrency: Int
    private let logger: Logger
    private let observe: (@Sendable (_ duration: TimeInterval, _ failed: Bool) -> Void)?
    private let clock: any WallClock

    public init(name: String, queue: WorkQueue<ObjectKey>, reconciler: R, concurrency: Int = 4,
                clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "keyward.controller"),
                observe: (@Sendable (_ duration: TimeInterval, _ failed: Bool) -> Void)? = nil) {
        self.name = name
        self.queue = queue
        self.reconciler = reconciler
        self.concurrency = max(1, concurrency)
        self.clock = clock
        var logger = logger
        logger[metadataKey: "controller"] = "\(name)"
        self.logger = logger
        self.observe = observe
    }

    public func run() async throws {
        let queue = self.queue
        // Both a graceful shutdown and task cancellation drain the queue: waiting workers park on the queue, not on
        // the task, so they must be woken by shutting it down.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await queue.runDelayLoop() }
                    for _ in 0..<concurrency { group.addTask { await self.worker() } }
                    await group.waitForAll()
                }
            } onGracefulShutdown: {
                Task { await queue.shutDown() }
            }
        } onCancel: {
            Task { await queue.shutDown() }
        }
    }

    /// Stops the queue; workers exit after their current key.
    public func shutDown() async { await queue.shutDown() }

    private func worker() async {
        while let key = await queue.next() {
            await process(key)
            await queue.done(key)
        }
    }

    private func process(_ key: ObjectKey) async {
        let started = clock.now
        var keyLogger = logger
        keyLogger[metadataKey: "object"] = "\(key)"
        do {
            let result = try await reconciler.reconcile(key)
            observe?(clock.now.timeIntervalSince(started), false)
            await queue.forget(key)
            if let after = result.requeueAfter { await queue.add(key, after: after) }
        } catch let error as TerminalError {
            observe?(clock.now.timeIntervalSince(started), true)
            keyLogger.warning("reconcile failed permanently", metadata: ["error": "\(error)"])
            await queue.forget(key)
        } catch is CancellationError {
            return
        } catch {
            observe?(clock.now.timeIntervalSince(started), true)
            let retries = await queue.failures(of: key)
            keyLogger.warning("reconcile failed; will retry", metadata: ["error": "\(error)", "retries": "\(retries)"])
            await queue.addRateLimited(key)
        }
    }
}
