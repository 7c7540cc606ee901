import Synchronization

/// Writes made on behalf of one task: bound with `FileResourceStore.$tally.withValue`, so reconciles running side by
/// side each learn whether they wrote, which the store's global ``FileResourceStore/writeCount`` cannot tell.
public final class WriteTally: Sendable {
    private let count = Mutex(0)

    public init() {}

    public var writes: Int { count.withLock { $0 } }

    func add() { count.withLock { $0 += 1 } }
}
