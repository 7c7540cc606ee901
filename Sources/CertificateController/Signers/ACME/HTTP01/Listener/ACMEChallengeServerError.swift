/// Why the HTTP-01 challenge listener could not serve.
public enum ACMEChallengeServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The address text does not parse (`host:port`, `:port` or `[v6]:port`).
    case invalidAddress(String, option: String, reason: String)
    /// Binding failed: the port is taken or the host is not an address of this machine. `reason` is the system's.
    case cannotListen(address: String, option: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let option, let reason):
            "invalid \(option) '\(text)': \(reason)"
        case .cannotListen(let address, let option, let reason):
            "cannot listen on \(address) for ACME HTTP-01 challenges: \(reason); choose another address with \(option)"
        }
    }
}
