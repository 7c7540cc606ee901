import Foundation

/// Ages as `kubectl get` prints them: the largest one or two units (`45s`, `12m`, `3h5m`, `4d`, `2y`).
enum Age {
    static func format(since date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date).rounded(.down)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<(10 * 60): return "\(seconds / 60)m\(seconds % 60 == 0 ? "" : "\(seconds % 60)s")"
        case ..<(3 * 3600): return "\(seconds / 60)m"
        case ..<(8 * 3600): let m = (seconds % 3600) / 60; return "\(seconds / 3600)h\(m == 0 ? "" : "\(m)m")"
        case ..<(2 * 86400): return "\(seconds / 3600)h"
        case ..<(8 * 86400): let h = (seconds % 86400) / 3600; return "\(seconds / 86400)d\(h == 0 ? "" : "\(h)h")"
        case ..<(365 * 86400): return "\(seconds / 86400)d"
        default: return "\(seconds / (365 * 86400))y"
        }
    }

    /// "in 3d" for the future, "5m ago" for the past.
    static func relative(_ date: Date, now: Date) -> String {
        date > now ? "in \(format(since: now, now: date))" : "\(format(since: date, now: now)) ago"
    }
}
