import NIOCore

extension Channel {
    /// Whether this channel is one HTTP/2 stream: its parent is then the connection, whose parent is the listener
    /// (an HTTP/1 connection's parent is the listener, which has none).
    var isHTTP2Stream: Bool { parent?.parent != nil }

    /// The TCP connection a request came on, which holds its TLS session.
    var connection: any Channel { isHTTP2Stream ? parent! : self }
}
