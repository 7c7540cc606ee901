/// The request and write logs tests assert on (retries, verbs used, who wrote what).
actor RequestJournal {
    /// Oldest records are dropped past this many, so a long-running server's memory stays bounded.
    static let capacity = 100_000

    private(set) var requests: [RequestRecord] = []
    private(set) var writes: [WriteRecord] = []

    func record(_ request: RequestRecord) {
        requests.append(request)
        if requests.count > Self.capacity { requests.removeFirst(requests.count - Self.capacity) }
    }

    func record(_ write: WriteRecord) {
        writes.append(write)
        if writes.count > Self.capacity { writes.removeFirst(writes.count - Self.capacity) }
    }

    func clear() {
        requests.removeAll()
        writes.removeAll()
    }
}
