import Foundation

public enum LeaderElectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why leadership ended without the leader giving it up.
    public enum LossReason: Sendable, Hashable, CustomStringConvertible {
        /// Another replica holds the Lease now.
        case takenBy(String)
        /// No renewal succeeded within the renew deadline; `lastError` is the last failure seen, if any.
        case renewDeadlineExceeded(lastError: String?)

        public var description: String {
            switch self {
            case .takenBy(let holder): "the Lease is now held by \(holder)"
            case .renewDeadlineExceeded(let error):
                "failed to renew the Lease within the renew deadline" + (error.map { " (last error: \($0))" } ?? "")
            }
        }
    }

    case invalidConfiguration(String)
    /// Leadership was lost; the process should exit so it restarts as a follower (controller-runtime does the same).
    case lostLease(LossReason)
    /// ``LeaderElector/run(whileLeading:)`` was called while another call was running.
    case alreadyRunning

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid leader election configuration: \(reason)"
        case .lostLease(let reason): "leader election lost: \(reason)"
        case .alreadyRunning: "the leader elector is already running"
        }
    }
}
