import KeywardPKI

/// The answer of one look at the files.
public enum GateVerdict: Sendable, Hashable {
    /// Every check passed; the leaf certificate's facts.
    case ready(CertificateInfo)
    case waiting(WaitReason)

    public var reason: WaitReason? {
        if case .waiting(let reason) = self { return reason }
        return nil
    }

    public var isReady: Bool { reason == nil }
}
