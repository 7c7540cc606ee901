#if canImport(Glibc)
import Glibc
#endif

/// A loopback port where connections are refused, reserved for as long as this object lives.
///
/// The socket is bound but never listens, so a connection gets a reset (ECONNREFUSED) and no other test can bind the
/// port meanwhile. A port merely found free and released can be taken by a server of another test running beside
/// this one, which then answers where "nothing listens" was meant (a flaky failure seen in the full suite).
public final class ClosedPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try SilentListener.bindLoopback(listening: false)
    }

    /// `127.0.0.1:PORT`.
    public var address: String { "127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}
