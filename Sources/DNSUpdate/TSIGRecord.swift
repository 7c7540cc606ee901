/// TSIG record data (RFC 8945 §4.2): the algorithm, when the message was signed, the MAC over it, and the TSIG error.
public struct TSIGRecord: Sendable, Hashable {
    public var algorithm: DNSName
    /// Seconds since the Unix epoch, 48 bits on the wire.
    public var timeSigned: UInt64
    /// Permitted clock skew in seconds.
    public var fudge: UInt16
    public var mac: [UInt8]
    public var originalID: UInt16
    public var error: DNSResponseCode
    /// For BADTIME, the server's clock (RFC 8945 §5.2.3).
    public var otherData: [UInt8]

    public init(algorithm: DNSName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8], originalID: UInt16,
                error: DNSResponseCode = .noError, otherData: [UInt8] = []) {
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.otherData = otherData
    }

    /// The server's time from a BADTIME answer's other data (six octets), if present.
    public var serverTime: UInt64? {
        guard otherData.count == 6 else { return nil }
        return otherData.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
