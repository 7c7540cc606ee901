import Foundation

/// The events of one watch request, decoded line by line as chunks arrive.
///
/// Ends normally when the server closes the stream (its `timeoutSeconds`); throws ``KubernetesError/gone(_:)``
/// for a 410 ERROR event (relist), other ``KubernetesError``s for other ERROR events, and
/// ``KubernetesError/transport(_:)`` when the connection breaks. Either way the caller resumes from the last
/// resourceVersion it saw.
public struct WatchStream<Object: KubernetesResource>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>
    let body: AsyncThrowingStream<Data, any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: AsyncThrowingStream<Data, any Error>.AsyncIterator
        var buffer = Data()
        let decoder = KubeJSON.makeDecoder()

        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    return try decode(line)
                }
                let chunk: Data?
                do { chunk = try await chunks.next() } catch let error as TransportError {
                    throw KubernetesError.transport(error)
                }
                guard let chunk else {
                    // A final line without a newline is still a complete event if it decodes.
                    guard !buffer.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) else { return nil }
                    let rest = buffer
                    buffer = Data()
                    return try decode(rest)
                }
                buffer.append(chunk)
            }
        }

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

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: body.makeAsyncIterator()) }
}
