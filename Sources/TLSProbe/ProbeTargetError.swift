/// Why a probe target was refused; the text follows the quoted value.
public enum ProbeTargetError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidAddress(String, String)
    case invalidServerName(String, String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason): "address \(text.debugDescription) \(reason)"
        case .invalidServerName(let text, let reason): "serverName \(text.debugDescription) \(reason)"
        }
    }
}
