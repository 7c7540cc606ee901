import Foundation

/// The events of one watch request, decoded line by line as chunks arrive.
///
/// Ends normally when the server closes the stream (its `timeoutSeconds`); throws ``KubernetesError/gone(_:)``
/// for a 410 ERROR event (relist), other ``KubernetesError``s for other ERROR events, and
/// ``KubernetesError/transport(_:)`` when the connection breaks. Either way the caller resumes from the last
/// resourceVersion it saw.
public struct WatchStream<Object: KubernetesResource>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>
    let body: HTTPBodyStream
    var echoes: WatchEchoFilter? = nil

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPBodyStream.AsyncIterator
        var lines: WatchLineDecoder<Object>

        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                if let event = try lines.next() { return event }
                let chunk: Data?
                do { chunk = try await chunks.next() } catch let error as TransportError {
                    throw KubernetesError.transport(error)
                }
                guard let chunk else { return try lines.finish() }
                lines.append(chunk)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), lines: WatchLineDecoder(echoes: echoes))
    }
}
