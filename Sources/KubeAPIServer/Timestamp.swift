import Foundation

/// RFC 3339 timestamps as Kubernetes writes them: `metav1.Time` in whole seconds, `MicroTime` with six digits.
enum Timestamp {
    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// `2006-01-02T15:04:05Z`
    static func seconds(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// `2006-01-02T15:04:05.000000Z`
    static func micro(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded(.down))
        let base = seconds(Date(timeIntervalSince1970: whole))
        return String(base.dropLast()) + String(format: ".%06dZ", micros)
    }

    /// Parses RFC 3339 with optional fraction and `Z` or a numeric offset.
    static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard u.count >= 20, let year = num(0, 4), u[4] == 45, let month = num(5, 2), u[7] == 45, let day = num(8, 2),
              u[10] == 84 || u[10] == 116 || u[10] == 32, let hour = num(11, 2), u[13] == 58, let minute = num(14, 2),
              u[16] == 58, let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count && u[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count && u[i] >= 48 && u[i] <= 57 { fraction += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
            if i == start { return nil }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45 {
            guard let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == 45 ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == u.count else { return nil }
        let comps = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: comps) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }

    /// kubectl's human-readable age (`duration.HumanDuration`): 45s, 5m3s, 3h, 4d5h, 2y.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded(.down))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { let s = seconds % 60; return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 { let m = minutes % 60; return m == 0 ? "\(hours)h" : "\(hours)h\(m)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { let h = hours % 24; return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let d = (hours / 24) % 365
            return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
        }
        return "\(hours / 24 / 365)y"
    }
}
