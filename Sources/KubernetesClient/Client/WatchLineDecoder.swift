import Foundation

/// The synchronous core of ``WatchStream``: buffers the chunks of a watch response body, however they split the
/// lines, and decodes each complete line as one event. Kept apart from the async plumbing so the fuzzer (and tests)
/// can drive it with arbitrary bytes.
public struct WatchLineDecoder<Object: KubernetesResource> {
    private var buffer = Data()
    private let decoder = KubeJSON.makeDecoder()
    /// The longest line held while waiting for its newline. Kubernetes objects are capped near 1.5 MiB by etcd; a
    /// stream that sends far more without a newline is broken or hostile, and must not grow memory without bound.
    public let maximumLineBytes: Int

    public init(maximumLineBytes: Int = 16 << 20) { self.maximumLineBytes = maximumLineBytes }

    public mutating func append(_ chunk: Data) { buffer.append(chunk) }

    /// The next complete event, or nil when no whole line is buffered yet. Blank lines are skipped. Throws
    /// ``KubernetesError/decoding(type:detail:)`` once a line outgrows ``maximumLineBytes`` (the buffer is dropped;
    /// the caller resumes the watch from its last resourceVersion).
    public mutating func next() throws -> WatchEvent<Object>? {
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[buffer.index(after: newline)...])
            if Self.isBlank(line) { continue }
            return try decode(line)
        }
        if buffer.count > maximumLineBytes {
            let size = buffer.count
            buffer = Data()
            throw KubernetesError.decoding(type: "watch event of \(Object.kind)",
                                           detail: "a line of over \(size) bytes without a newline (limit \(maximumLineBytes))")
        }
        return nil
    }

    /// At the end of the body: a final line without a newline is still a complete event if it decodes.
    public mutating func finish() throws -> WatchEvent<Object>? {
        if let event = try next() { return event }
        guard !Self.isBlank(buffer) else { return nil }
        let rest = buffer
        buffer = Data()
        return try decode(rest)
    }

    private static func isBlank(_ bytes: Data) -> Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D } }

    private func decode(_ line: Data) throws -> WatchEvent<Object> {
        let parsed: WatchLine<Object>
        do { parsed = try decoder.decode(WatchLine<Object>.self, from: line) } catch {
            throw KubernetesError.decoding(type: "watch event of \(Object.kind)", detail: "\(error)")
        }
        switch parsed.decoded {
        case .event(let event): return event
        case .error(let status): throw KubernetesError(code: status.code ?? 500, status: status)
        }
    }
}
