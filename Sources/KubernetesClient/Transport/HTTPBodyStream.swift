import Foundation

/// A streamed response body, chunk by chunk as the transport receives it. Reading a chunk gives its bytes back to
/// the transport's ``StreamCredit``, which resumes a transfer paused because the reader fell behind.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = Data

    let chunks: AsyncThrowingStream<Data, any Error>
    let credit: StreamCredit?
    let resume: @Sendable () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<Data, any Error>.AsyncIterator
        let credit: StreamCredit?
        let resume: @Sendable () -> Void

        public mutating func next() async throws -> Data? {
            guard let chunk = try await inner.next() else { return nil }
            if credit?.consumed(chunk.count) == true { resume() }
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: chunks.makeAsyncIterator(), credit: credit, resume: resume)
    }
}
