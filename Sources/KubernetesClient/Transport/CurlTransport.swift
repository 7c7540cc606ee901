import CCurl
import Foundation
import Synchronization

private let curlGlobalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

/// An HTTP client over libcurl's multi interface.
///
/// One dedicated OS thread drives every transfer with `curl_multi_poll`, so no Swift cooperative thread ever
/// blocks on I/O and a watch stream costs a socket, not a thread. Connections (and HTTP/2 multiplexing, when the
/// server offers it) are shared through the multi handle's connection cache.
public final class CurlTransport: Sendable {
    private let engine: Engine
    public let tls: TLSSettings

    public init(tls: TLSSettings, http2: Bool = true) {
        _ = curlGlobalInit
        self.tls = tls
        self.engine = Engine(tls: tls, http2: http2)
    }

    deinit { engine.shutdown() }

    /// Sends a request and buffers the whole response.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = engine.nextID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                engine.submit(id: id, request: request, completion: .buffered(continuation))
            }
        } onCancel: {
            engine.cancel(id: id)
        }
    }

    /// Starts a streamed request: returns once the response headers arrived; the body arrives as chunks.
    /// Ending iteration of `body` (or cancelling the task) aborts the transfer.
    public func stream(_ request: HTTPRequest) async throws -> (head: HTTPStreamHead, body: HTTPBodyStream) {
        let id = engine.nextID()
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        bodyContinuation.onTermination = { [engine] termination in
            if case .cancelled = termination { engine.cancel(id: id) }
        }
        let credit = StreamCredit(limit: request.streamBufferLimit)
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPStreamHead, any Error>) in
                engine.submit(id: id, request: request, completion: .streaming(head: continuation, body: bodyContinuation),
                              credit: credit)
            }
        } onCancel: {
            engine.cancel(id: id)
        }
        return (head, HTTPBodyStream(chunks: body, credit: credit, resume: { [engine] in engine.resume(id: id) }))
    }

    /// Fails every in-flight transfer and stops the curl thread.
    public func shutdown() { engine.shutdown() }
}

extension CurlTransport {
    /// Owns the multi handle and its thread. `@unchecked Sendable`: the multi handle and `active` are used only on
    /// the curl thread; everything else crosses threads through the `commands` mutex and `curl_multi_wakeup`,
    /// which libcurl documents as safe to call from any thread.
    final class Engine: @unchecked Sendable {
        private enum Command {
            case add(CurlTransfer)
            case cancel(Int)
            /// Unpause a streamed transfer whose reader caught up (``StreamCredit``).
            case resume(Int)
        }
        private struct Queue {
            var commands: [Command] = []
            var stopped = false
            /// Set once the multi handle is freed; guards `curl_multi_wakeup` against use after free.
            var cleanedUp = false
            var nextID = 0
        }

        private let multi: UnsafeMutableRawPointer
        private let queue = Mutex(Queue())
        private let tls: TLSSettings
        private let caBundle: CABundleFile?
        private let http2: Bool
        private var active: [Int: CurlTransfer] = [:]
        private let finishedThread = Mutex(false)

        init(tls: TLSSettings, http2: Bool) {
            self.tls = tls
            self.caBundle = tls.caFile.map { CABundleFile(path: $0, initial: tls.caPEM) }
            self.http2 = http2
            multi = curl_multi_init()
            ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
            ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
            let thread = Thread { [self] in self.loop() }
            thread.name = "keyward-curl"
            thread.start()
        }

        func nextID() -> Int { queue.withLock { q in q.nextID += 1; return q.nextID } }

        func submit(id: Int, request: HTTPRequest, completion: CurlTransfer.Completion, credit: StreamCredit? = nil) {
            let transfer: CurlTransfer
            var tls = self.tls
            if let caBundle { tls.caPEM = caBundle.current() }
            do {
                transfer = try CurlTransfer(id: id, request: request, tls: tls, http2: http2, completion: completion,
                                            credit: credit)
            } catch {
                let failing = FailingCompletion(completion: completion)
                failing.fail(error)
                return
            }
            // The cancellation flag is read under the lock the cancel command is queued with: a task cancelled
            // before this point queued its `.cancel` ahead of the `.add` (where it finds nothing to cancel), so the
            // transfer must not start at all; one cancelled after it queues the `.cancel` behind the `.add`.
            enum Outcome { case accepted, stopped, cancelled }
            let outcome = queue.withLock { q -> Outcome in
                guard !q.stopped else { return .stopped }
                if Task.isCancelled { return .cancelled }
                q.commands.append(.add(transfer))
                return .accepted
            }
            switch outcome {
            case .accepted: wake()
            case .stopped: transfer.fail(TransportError.shutdown)
            case .cancelled: transfer.fail(CancellationError())
            }
        }

        func cancel(id: Int) {
            queue.withLock { q in
                guard !q.stopped else { return }
                q.commands.append(.cancel(id))
                curl_multi_wakeup(multi)
            }
        }

        func resume(id: Int) {
            queue.withLock { q in
                guard !q.stopped else { return }
                q.commands.append(.resume(id))
                curl_multi_wakeup(multi)
            }
        }

        func shutdown() {
            wake(stopping: true)
        }

        private func wake(stopping: Bool = false) {
            queue.withLock { q in
                if stopping { q.stopped = true }
                if !q.cleanedUp { curl_multi_wakeup(multi) }
            }
        }

        private func loop() {
            var running: Int32 = 0
            while true {
                let (commands, stopped) = queue.withLock { q in
                    defer { q.commands = [] }
                    return (q.commands, q.stopped)
                }
                for command in commands {
                    switch command {
                    case .add(let transfer):
                        if stopped { transfer.fail(TransportError.shutdown); continue }
                        active[transfer.id] = transfer
                        curl_multi_add_handle(multi, transfer.easy)
                    case .cancel(let id):
                        if let transfer = active.removeValue(forKey: id) {
                            curl_multi_remove_handle(multi, transfer.easy)
                            transfer.fail(CancellationError())
                        }
                    case .resume(let id):
                        // On this thread, after the write callback that paused it returned: never before the pause.
                        if let transfer = active[id] { _ = curl_easy_pause(transfer.easy, CURLPAUSE_CONT) }
                    }
                }
                if stopped {
                    for transfer in active.values {
                        curl_multi_remove_handle(multi, transfer.easy)
                        transfer.fail(TransportError.shutdown)
                    }
                    active = [:]
                    break
                }
                curl_multi_perform(multi, &running)
                var remaining: Int32 = 0
                while let message = curl_multi_info_read(multi, &remaining) {
                    guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                    var privatePointer: UnsafeMutableRawPointer?
                    ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
                    let id = Int(bitPattern: privatePointer)
                    let code = ccurl_message_result(message)
                    curl_multi_remove_handle(multi, easy)
                    active.removeValue(forKey: id)?.finish(code: code)
                }
                curl_multi_poll(multi, nil, 0, 1000, nil)
            }
            queue.withLock { q in
                q.cleanedUp = true
                curl_multi_cleanup(multi)
            }
        }
    }

    /// Fails a completion whose transfer could not even be created.
    private struct FailingCompletion {
        var completion: CurlTransfer.Completion
        func fail(_ error: any Error) {
            switch completion {
            case .buffered(let c): c.resume(throwing: error)
            case .streaming(let head, let body):
                head?.resume(throwing: error)
                body.finish(throwing: error)
            }
        }
    }
}
