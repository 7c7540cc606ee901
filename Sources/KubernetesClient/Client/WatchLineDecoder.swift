import Foundation
import KeywardCore

/// The synchronous core of ``WatchStream``: buffers the chunks of a watch response body, however they split the
/// lines, and decodes each complete line as one event. Kept apart from the async plumbing so the fuzzer (and tests)
/// can drive it with arbitrary bytes.
public struct WatchLineDecoder<Object: KubernetesResource> {
    private var buffer = Data()
    /// Bytes of `buffer` already consumed. Lines are read in place and the consumed prefix is dropped only once it is
    /// most of the buffer: copying the rest after every line made a chunk of many events quadratic.
    private var consumed = 0
    /// Bytes of `buffer` already searched for a newline without finding one (at least `consumed`).
    private var scanned = 0
    /// The longest line held while waiting for its newline. Kubernetes objects are capped near 1.5 MiB by etcd; a
    /// stream that sends far more without a newline is broken or hostile, and must not grow memory without bound.
    public let maximumLineBytes: Int
    private let echoes: WatchEchoFilter?

    public init(maximumLineBytes: Int = 16 << 20, echoes: WatchEchoFilter? = nil) {
        self.maximumLineBytes = maximumLineBytes
        self.echoes = echoes
    }

    public mutating func append(_ chunk: Data) { buffer.append(chunk) }

    /// The next complete event, or nil when no whole line is buffered yet. Blank lines are skipped. Throws
    /// ``KubernetesError/decoding(type:detail:)`` once a line outgrows ``maximumLineBytes`` (the buffer is dropped;
    /// the caller resumes the watch from its last resourceVersion).
    public mutating func next() throws -> WatchEvent<Object>? {
        while let newline = nextNewline() {
            let line = buffer[(buffer.startIndex + consumed)..<newline]
            consumed = newline + 1 - buffer.startIndex
            scanned = consumed
            if Self.isBlank(line) { continue }
            defer { compact() }
            return try decode(line)
        }
        compact()
        if buffer.count - consumed > maximumLineBytes {
            let size = buffer.count - consumed
            buffer = Data()
            consumed = 0
            scanned = 0
            throw KubernetesError.decoding(type: "watch event of \(Object.kind)",
                                           detail: "a line of over \(size) bytes without a newline (limit \(maximumLineBytes))")
        }
        return nil
    }

    /// At the end of the body: a final line without a newline is still a complete event if it decodes.
    public mutating func finish() throws -> WatchEvent<Object>? {
        if let event = try next() { return event }
        let rest = Data(buffer[(buffer.startIndex + consumed)...])
        buffer = Data()
        consumed = 0
        scanned = 0
        guard !Self.isBlank(rest) else { return nil }
        return try decode(rest)
    }

    /// The index of the next newline after `consumed`, searched with memchr from where the last search stopped (a
    /// long line arriving in many chunks is scanned once, and a byte-by-byte `firstIndex(of:)` over `Data` was 4 % of
    /// the controller's CPU under load).
    private mutating func nextNewline() -> Data.Index? {
        let offset = max(scanned, consumed)
        let found: Int? = buffer.withUnsafeBytes { raw in
            guard offset < raw.count, let base = raw.baseAddress,
                let hit = memchr(base + offset, 0x0A, raw.count - offset) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        guard let found else {
            scanned = buffer.count
            return nil
        }
        return buffer.startIndex + found
    }

    /// A bookmark for an ADDED or MODIFIED event whose version the echo filter expects: this process wrote it.
    private func echo(_ identity: WatchLineIdentity) -> WatchEvent<Object>? {
        guard let echoes, identity.type == "ADDED" || identity.type == "MODIFIED" else { return nil }
        return echoes.isEcho(namespace: identity.namespace, name: identity.name, resourceVersion: identity.resourceVersion)
            ? .bookmark(resourceVersion: identity.resourceVersion) : nil
    }

    /// Drops the consumed prefix once it is at least half the buffer (amortised: each byte is moved at most once more).
    private mutating func compact() {
        guard consumed > 0, consumed * 2 >= buffer.count else { return }
        buffer.removeSubrange(buffer.startIndex..<(buffer.startIndex + consumed))
        scanned -= consumed
        consumed = 0
    }

    private static func isBlank(_ bytes: Data) -> Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D } }

    private func decode(_ line: Data) throws -> WatchEvent<Object> {
        let parsed: WatchLine<Object>
        do {
            // Most lines a filtered watch sees are echoes: those are told from their bytes, unparsed. A line the scan
            // cannot read is parsed first and checked the same way.
            let scanned = echoes == nil ? nil : WatchLineIdentity.scan(line)
            if let scanned, let echo = echo(scanned) { return echo }
            let value = try KubeJSON.decoder.parse(line)
            if echoes != nil, scanned == nil, let identity = WatchLineIdentity(parsed: value), let echo = echo(identity) { return echo }
            parsed = try KubeJSON.decode(WatchLine<Object>.self, from: value)
        } catch {
            // One object nobody can read must not stop the watch of every other: when the scan can tell which object
            // and version it was, the watch goes on past it.
            if let identity = WatchLineIdentity.scan(line), ["ADDED", "MODIFIED", "DELETED"].contains(identity.type) {
                return .unreadable(UnreadableItem(namespace: identity.namespace, name: identity.name, reason: "\(error)"),
                                   resourceVersion: identity.resourceVersion)
            }
            throw KubernetesError.decoding(type: "watch event of \(Object.kind)", detail: "\(error)")
        }
        switch parsed.decoded {
        case .event(let event): return event
        case .error(let status): throw KubernetesError(code: status.code ?? 500, status: status)
        }
    }
}
