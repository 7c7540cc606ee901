import KeywardCore
import NIOCore
import NIOPosix

/// Sends one DNS message to one nameserver and returns the raw answer: UDP first with bounded retries, TCP when the
/// answer is truncated or the message is too long for UDP. Every nameserver address passes the egress policy
/// before a socket is opened. Non-blocking throughout (SwiftNIO event loops).
public struct DNSTransport: Sendable {
    /// Longest message sent over UDP without EDNS (RFC 1035 §4.2.1).
    public static let udpLimit = 512

    public var egress: EgressPolicy
    /// Per UDP attempt, and for a whole TCP exchange.
    public var attemptTimeout: Duration
    /// UDP attempts before giving up (a timed-out attempt is retried; a refused one is not).
    public var attempts: Int
    private let group: any EventLoopGroup

    public init(egress: EgressPolicy, attemptTimeout: Duration = .seconds(3), attempts: Int = 3,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.egress = egress
        self.attemptTimeout = attemptTimeout
        self.attempts = max(1, attempts)
        self.group = group
    }

    private struct TimedOut: Error {}

    /// The answer to `request` (whose first two octets are its ID) from `server`.
    public func exchange(_ request: [UInt8], with server: DNSServerAddress) async throws(DNSUpdateError) -> [UInt8] {
        try checkEgress(server)
        guard request.count <= Self.udpLimit else { return try await exchangeOverTCP(request, with: server) }
        for _ in 0..<attempts {
            let answer: [UInt8]
            do {
                answer = try await datagramExchange(request, with: server)
            } catch is TimedOut {
                continue
            } catch {
                throw .connectionFailed(server: server.description, detail: "\(error)")
            }
            // TC: the answer did not fit in a datagram; ask again over TCP (RFC 7766).
            if answer[2] & 0x02 != 0 { return try await exchangeOverTCP(request, with: server) }
            return answer
        }
        throw .timeout(server: server.description, attempts: attempts)
    }

    /// The answer to `request` over TCP.
    public func exchangeOverTCP(_ request: [UInt8], with server: DNSServerAddress) async throws(DNSUpdateError) -> [UInt8] {
        try checkEgress(server)
        guard request.count <= DNSMessage.maxLength else {
            throw .connectionFailed(server: server.description, detail: "the message is longer than 65535 octets")
        }
        do {
            return try await streamExchange(request, with: server)
        } catch is TimedOut {
            throw .timeout(server: server.description, attempts: 1)
        } catch {
            throw .connectionFailed(server: server.description, detail: "\(error)")
        }
    }

    private func checkEgress(_ server: DNSServerAddress) throws(DNSUpdateError) {
        guard egress.allows(server.address) else { throw .egressDenied(server: server.description) }
    }

    private var timeoutAmount: TimeAmount {
        let components = attemptTimeout.components
        return .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }

    private func datagramExchange(_ request: [UInt8], with server: DNSServerAddress) async throws -> [UInt8] {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let id = UInt16(request[0]) << 8 | UInt16(request[1])
        let address = try SocketAddress(ipAddress: server.address.description, port: server.port)
        let timeout = loop.scheduleTask(in: timeoutAmount) { promise.fail(TimedOut()) }
        defer { timeout.cancel() }
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DNSMessage.maxLength))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramResponseHandler(id: id, promise: promise))
                    }
                }
                .connect(to: address).get()
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        channel.writeAndFlush(ByteBuffer(bytes: request)).cascadeFailure(to: promise)
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    private func streamExchange(_ request: [UInt8], with server: DNSServerAddress) async throws -> [UInt8] {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let address = try SocketAddress(ipAddress: server.address.description, port: server.port)
        let timeout = loop.scheduleTask(in: timeoutAmount) { promise.fail(TimedOut()) }
        defer { timeout.cancel() }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeoutAmount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(StreamResponseHandler(promise: promise))
                    }
                }
                .connect(to: address).get()
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        var framed = ByteBuffer()
        framed.writeInteger(UInt16(request.count))
        framed.writeBytes(request)
        channel.writeAndFlush(framed).cascadeFailure(to: promise)
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }
}
