import Foundation
import KeywardCore
import TLSProbe

extension Certificate {
    /// `spec.endpoints[]`: a TLS endpoint that should serve this certificate. The controller reads the chain it
    /// serves (a handshake only, through the egress policy) and reports it in `status.endpoints` and the `Served`
    /// condition.
    public struct Endpoint: Codable, Sendable, Hashable {
        /// `host:port` (or `[v6]:port`).
        public var address: String
        /// Server name asked for (SNI); default the address's host.
        public var serverName: String?
        /// How often to probe once the endpoint serves the current certificate; default 5m, 30s to 24h.
        public var interval: DurationString

        public static let defaultInterval: DurationString = "5m"
        public static let minimumInterval = GoDuration.seconds(30)
        public static let maximumInterval = GoDuration.hours(24)
        /// At most this many endpoints per Certificate: each costs a handshake per interval.
        public static let maximumCount = 10

        public init(address: String, serverName: String? = nil, interval: DurationString = Endpoint.defaultInterval) {
            self.address = address
            self.serverName = serverName
            self.interval = interval
        }

        /// The parsed target; nil when ``address`` or ``serverName`` is invalid (``Spec/validate()`` says why).
        public var target: ProbeTarget? { try? ProbeTarget(address: address, serverName: serverName) }

        /// The interval in seconds; the default when it does not parse.
        public var effectiveInterval: TimeInterval { (interval.duration ?? Self.defaultInterval.duration!).seconds }

        enum CodingKeys: String, CodingKey { case address, serverName, interval }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            address = try c.decode(.address, or: "")
            serverName = try c.decodeIfPresent(.serverName)
            interval = try c.decode(.interval, or: Self.defaultInterval)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(address, forKey: .address)
            try c.encodeIfPresent(serverName, forKey: .serverName)
            try c.encode(interval, forKey: .interval)
        }
    }

    /// `status.endpoints[]`: what one endpoint served at the last probe.
    public struct EndpointStatus: Codable, Sendable, Hashable {
        public var address: String
        public var serverName: String?
        /// The served leaf's serial, upper-case hex as ``Status/serialNumber``.
        public var servedSerial: String?
        public var servedNotAfter: Date?
        /// The served leaf is the certificate now in the Secret.
        public var matches: Bool
        public var lastChecked: Date?
        /// `Current`, `StaleCertificate`, `UnknownCertificate`, `TLSError` or `Unreachable` (``Reason``).
        public var reason: String?
        /// A class of failure (never the peer's or libcurl's text) when the probe read no certificate.
        public var error: String?
        /// The serial status named current when this endpoint was last probed: a different one now means a
        /// renewal the endpoint has not been checked against yet (probed at once).
        public var expectedSerial: String?
        /// Probes in a row that did not find the current serial since it was issued; drives the prompt retries.
        public var failedChecks: Int?

        public init(address: String, serverName: String? = nil, servedSerial: String? = nil, servedNotAfter: Date? = nil,
                    matches: Bool = false, lastChecked: Date? = nil, reason: String? = nil, error: String? = nil,
                    expectedSerial: String? = nil, failedChecks: Int? = nil) {
            self.address = address
            self.serverName = serverName
            self.servedSerial = servedSerial
            self.servedNotAfter = servedNotAfter
            self.matches = matches
            self.lastChecked = lastChecked
            self.reason = reason
            self.error = error
            self.expectedSerial = expectedSerial
            self.failedChecks = failedChecks
        }

        /// Whether this entry describes `endpoint` (same address and server name as written).
        public func describes(_ endpoint: Endpoint) -> Bool {
            address == endpoint.address && (serverName ?? "") == (endpoint.serverName ?? "")
        }
    }

    /// How many serials ``Status/issuedSerials`` keeps: enough to tell a stale endpoint from a foreign one across
    /// several renewals a consumer slept through.
    public static let issuedSerialHistory = 10
}

extension Certificate.ConditionType {
    /// Whether every `spec.endpoints` entry serves the current certificate: True `Current`; False
    /// `StaleCertificate`, `UnknownCertificate`, `TLSError` or `Unreachable` (the worst endpoint decides). Absent
    /// without endpoints or before the first issuance.
    public static let served = "Served"
}

extension Certificate.Reason {
    public static let servedCurrent = "Current"
    /// An endpoint serves an older certificate Keyward issued: the consumer did not reload.
    public static let servedStale = "StaleCertificate"
    /// An endpoint serves a certificate Keyward did not issue (drift).
    public static let servedUnknown = "UnknownCertificate"
    public static let servedTLSError = "TLSError"
    public static let servedUnreachable = "Unreachable"
}

extension Certificate.Status {
    /// Records `serial` (upper-case hex) as issued, newest last, keeping ``Certificate/issuedSerialHistory``.
    public mutating func recordIssuedSerial(_ serial: String) {
        guard issuedSerials.last != serial else { return }
        issuedSerials.removeAll { $0 == serial }
        issuedSerials.append(serial)
        if issuedSerials.count > Certificate.issuedSerialHistory {
            issuedSerials.removeFirst(issuedSerials.count - Certificate.issuedSerialHistory)
        }
    }
}

extension Certificate.Spec {
    /// `spec.endpoints`: count, address and server name syntax, interval bounds, no duplicates.
    func validateEndpoints(_ v: inout ViolationCollector) {
        if endpoints.count > Certificate.Endpoint.maximumCount {
            v.add("spec.endpoints", "at most \(Certificate.Endpoint.maximumCount) endpoints are allowed")
        }
        var seen = Set<String>()
        for (i, endpoint) in endpoints.enumerated() {
            do {
                let target = try ProbeTarget(address: endpoint.address, serverName: endpoint.serverName)
                if !seen.insert("\(target.address)|\(target.serverName)").inserted {
                    v.add("spec.endpoints[\(i)]", "duplicates an earlier endpoint")
                }
            } catch {
                switch error {
                case .invalidAddress(_, let reason): v.add("spec.endpoints[\(i)].address", "\(endpoint.address.debugDescription) \(reason)")
                case .invalidServerName(let name, let reason): v.add("spec.endpoints[\(i)].serverName", "\(name.debugDescription) \(reason)")
                }
            }
            v.check("spec.endpoints[\(i)].interval", endpoint.interval.problem(
                minimum: Certificate.Endpoint.minimumInterval, maximum: Certificate.Endpoint.maximumInterval))
        }
    }
}
