import Foundation

/// When each certificate listed on a CA's CRL expires (serial → notAfter), kept beside the CRL in the operator-owned
/// Secret that holds it, so entries can be pruned once RFC 5280 allows (the CRL itself does not carry notAfter).
///
/// Serialised as `serialhex=unixseconds` pairs joined by commas. Unreadable pairs are skipped: an entry without a
/// known expiry is simply never pruned. At most ``limit`` pairs are read, so a huge annotation costs bounded work.
public struct CRLExpiries: Sendable, Equatable {
    public private(set) var notAfter: [String: Date] = [:]

    /// X.509 times end before the year 10000; later values are refused so converting back cannot overflow.
    static let year10000: Int64 = 253_402_300_800
    /// More pairs than any CRL Keyward keeps would list.
    public static let limit = 100_000

    public init() {}

    public init(annotation: String?) {
        for pair in (annotation ?? "").split(separator: ",").prefix(Self.limit) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, parts[0].allSatisfy(\.isHexDigit),
                let seconds = Int64(parts[1]), abs(seconds) < Self.year10000
            else { continue }
            notAfter[parts[0].lowercased()] = Date(timeIntervalSince1970: TimeInterval(seconds))
        }
    }

    public var annotation: String? {
        guard !notAfter.isEmpty else { return nil }
        return notAfter.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(Int64($0.value.timeIntervalSince1970.rounded(.down)))" }
            .joined(separator: ",")
    }

    public subscript(entry: RevokedCertificate) -> Date? {
        get { notAfter[entry.serialHex] }
        set { notAfter[entry.serialHex] = newValue }
    }

    /// RFC 5280 5.1.2.6: an entry may be removed once it appeared on a CRL issued after the certificate expired, so
    /// entries whose certificate expired before `previousThisUpdate` (the last CRL published) are dropped.
    public func pruned(_ entries: [RevokedCertificate], previousThisUpdate: Date?) -> [RevokedCertificate] {
        guard let previousThisUpdate else { return entries }
        return entries.filter { entry in self[entry].map { $0 >= previousThisUpdate } ?? true }
    }

    /// Forgets serials no longer listed.
    public mutating func keep(only entries: [RevokedCertificate]) {
        let listed = Set(entries.map(\.serialHex))
        notAfter = notAfter.filter { listed.contains($0.key) }
    }
}
