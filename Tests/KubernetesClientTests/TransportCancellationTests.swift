import Foundation
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import Synchronization
import Testing

/// A request from a task cancelled before it reached the transport must not start: its cancellation was queued
/// ahead of it, found nothing to cancel, and the transfer then ran to its full timeout (30 s against a wedged
/// server) while a shutting-down controller waited for it.
@Suite struct TransportCancellationTests {
    @Test func aRequestFromACancelledTaskNeverStarts() async throws {
        let wedged = try SilentListener()
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        let request = HTTPRequest(method: .get, url: URL(string: "http://127.0.0.1:\(wedged.port)/")!,
                                  timeout: .seconds(120))
        let outcome = Mutex<String?>(nil)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                _ = try await transport.send(request)
                outcome.withLock { $0 = "answered" }
            } catch is CancellationError {
                outcome.withLock { $0 = "cancelled" }
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
        }
        // Bounded only so a regression fails instead of hanging: the wedged server never answers.
        let ended = await within(20) { outcome.withLock { $0 != nil } }
        if !ended { task.cancel() }
        #expect(ended, "the request ran although its task was cancelled before it was sent")
        #expect(outcome.withLock { $0 } == "cancelled")
        withExtendedLifetime(wedged) {}
    }
}
