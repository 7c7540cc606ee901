import Synchronization

/// How far a streamed body may run ahead of its reader.
///
/// A watch's chunks go from libcurl's thread into a stream the informer reads on its own time. Without a bound, a
/// server (or tenants churning large objects) could fill memory while the informer's handlers are slow. The
/// transfer is paused (`CURL_WRITEFUNC_PAUSE`: the socket is left unread, so TCP slows the sender) once more than
/// ``limit`` bytes wait, and resumed when the reader has taken them down to half.
final class StreamCredit: Sendable {
    static let defaultLimit = 4 << 20

    let limit: Int
    private let state = Mutex((pending: 0, paused: false))

    init(limit: Int = StreamCredit.defaultLimit) { self.limit = max(1, limit) }

    /// The curl thread: whether `count` more bytes may go to the reader now; false pauses the transfer. A chunk
    /// larger than the limit is let through when nothing waits, so a transfer can always make progress.
    func admit(_ count: Int) -> Bool {
        state.withLock { s in
            if s.pending > 0, s.pending + count > limit {
                s.paused = true
                return false
            }
            s.pending += count
            return true
        }
    }

    /// The reader took `count` bytes; true when the transfer is paused and may resume now.
    func consumed(_ count: Int) -> Bool {
        state.withLock { s in
            s.pending = max(0, s.pending - count)
            guard s.paused, s.pending <= limit / 2 else { return false }
            s.paused = false
            return true
        }
    }

    /// Bytes handed to the reader and not taken yet (tests).
    var pending: Int { state.withLock { $0.pending } }
}
