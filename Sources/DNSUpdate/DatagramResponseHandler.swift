import NIOCore

/// Completes `promise` with the first datagram that looks like the response to message `id` (a connected UDP
/// socket only receives from the server); anything else is dropped. Socket errors (an ICMP port unreachable)
/// fail the promise.
final class DatagramResponseHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let id: UInt16
    private let promise: EventLoopPromise<[UInt8]>

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data).data
        guard buffer.readableBytes >= DNSMessage.headerLength, let bytes = buffer.readBytes(length: buffer.readableBytes),
            UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id, bytes[2] & 0x80 != 0
        else { return }
        promise.succeed(bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
