import NIOCore

/// Reads one length-prefixed DNS message from a TCP stream (RFC 1035 §4.2.2) into `promise`; at most 2 + 65535
/// octets are ever buffered. A connection that closes first fails the promise.
final class StreamResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    struct ClosedEarly: Error, CustomStringConvertible {
        var description: String { "the server closed the connection before a whole answer arrived" }
    }

    private let promise: EventLoopPromise<[UInt8]>
    private var received: [UInt8] = []

    init(promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let wanted = received.count >= 2 ? 2 + (Int(received[0]) << 8 | Int(received[1])) : 2 + DNSMessage.maxLength
        let take = min(buffer.readableBytes, wanted - received.count)
        if take > 0, let bytes = buffer.readBytes(length: take) { received += bytes }
        guard received.count >= 2 else { return }
        let length = Int(received[0]) << 8 | Int(received[1])
        if received.count >= 2 + length {
            promise.succeed(Array(received[2..<2 + length]))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ClosedEarly())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
