import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2
import NIOSSL
import NIOTLS

/// One accepted TLS connection: HTTP/1.1 or HTTP/2 as ALPN chooses, each HTTP/2 stream answered like an HTTP/1.1
/// request.
///
/// Hummingbird's own HTTP/2 channel keeps swift-nio-http2's denial-of-service limits (200 resets or stream errors
/// per 30 s), and libcurl 7.88 resets every stream it finishes: a busy client would lose its connection every 200
/// requests, and libcurl replays the requests in flight (a create then answers 409). kube-apiserver has no such
/// limit, so this test server does not either. It also tracks each connection (``TrackedConnections``) so a
/// shutdown can close the idle ones a graceful HTTP/2 close would wait on.
struct APIServerChannel: HTTPChannelHandler {
    typealias Stream = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<HTTP1Channel.Value, NIOHTTP2Handler.AsyncStreamMultiplexer<Stream>>>
        let channel: any Channel
    }

    let responder: Responder
    private let sslContext: NIOSSLContext
    private let http1: HTTP1Channel
    private let connections: TrackedConnections

    init(tlsConfiguration: TLSConfiguration, connections: TrackedConnections, responder: @escaping Responder) throws {
        var tlsConfiguration = tlsConfiguration
        tlsConfiguration.applicationProtocols = NIOHTTP2SupportedALPNProtocols
        sslContext = try NIOSSLContext(configuration: tlsConfiguration)
        http1 = HTTP1Channel(responder: responder)
        self.connections = connections
        self.responder = responder
    }

    /// swift-nio-http2's defaults, with the reset, stream-error and glitch limits out of a test client's reach.
    static var http2Configuration: NIOHTTP2Handler.Configuration {
        var configuration = NIOHTTP2Handler.Configuration()
        configuration.connection.maximumConnectionGlitches = 1 << 30
        configuration.stream.streamResetFrameRateLimit.maximumCount = 1 << 30
        configuration.stream.streamErrorRateLimit.maximumCount = 1 << 30
        return configuration
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        connections.add(channel)
        do {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return channel.configureHTTP2AsyncSecureUpgrade { connection in
            http1.setup(channel: connection, logger: logger)
        } http2ConnectionInitializer: { connection in
            connection.eventLoop.makeCompletedFuture {
                try connection.pipeline.syncOperations.configureAsyncHTTP2Pipeline(
                    mode: .server, configuration: Self.http2Configuration
                ) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTPServerCodec())
                        return try Stream(wrappingChannelSynchronously: stream)
                    }
                }
            }
        }
        .map { Value(negotiated: $0, channel: channel) }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let connection):
                await http1.handle(value: connection, logger: logger)
            case .http2(let multiplexer):
                try await withThrowingDiscardingTaskGroup { group in
                    for try await stream in multiplexer.inbound {
                        group.addTask { await handleHTTP(asyncChannel: stream, logger: logger) }
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }
}
