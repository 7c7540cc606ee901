/// Replay-Nonces collected from responses, used once each (RFC 8555 §6.5). Bounded: a server that sends a nonce
/// on every response never grows it past `capacity`; the oldest are dropped (they are the likeliest to be stale).
struct NoncePool: Sendable {
    private(set) var nonces: [String] = []
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    mutating func add(_ nonce: String?) {
        guard let nonce, !nonce.isEmpty, nonce.utf8.count <= 256 else { return }
        nonces.append(nonce)
        if nonces.count > capacity { nonces.removeFirst(nonces.count - capacity) }
    }

    /// The freshest nonce, removed from the pool.
    mutating func take() -> String? { nonces.popLast() }

    var isEmpty: Bool { nonces.isEmpty }
}
