import Foundation

/// A standard five-field cron expression (minute hour day-of-month month day-of-week), as Kubernetes CronJobs take
/// it, evaluated in a time zone.
///
/// Accepts `*`, `?` (day fields), numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n`, comma lists, month names
/// (`JAN`…`DEC`), weekday names (`SUN`…`SAT`, 0 and 7 are Sunday) and the macros `@yearly`/`@annually`,
/// `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`. As in Vixie cron, when both day fields are restricted
/// a day matches if either matches. A local time skipped by a daylight-saving jump does not fire that day.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var expression: String
        public var reason: String
        public var description: String { "invalid cron expression \"\(expression)\": \(reason)" }
    }

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        expression = text
        let body = Self.macros[trimmed.lowercased()] ?? trimmed
        let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(expression: text, reason: "expected 5 fields (minute hour day-of-month month day-of-week), "
                             + "found \(fields.count)")
        }
        func field(_ index: Int, _ name: String, _ range: ClosedRange<Int>, _ names: [String] = [],
                   nameBase: Int = 0) throws(ParseError) -> UInt64 {
            do { return try Self.parseField(fields[index], range: range, names: names, nameBase: nameBase) } catch {
                throw ParseError(expression: text, reason: "\(name) field \"\(fields[index])\": \(error.reason)")
            }
        }
        minutes = try field(0, "minute", 0...59)
        hours = try field(1, "hour", 0...23)
        daysOfMonth = try field(2, "day-of-month", 1...31)
        months = try field(3, "month", 1...12, Self.monthNames, nameBase: 1)
        var dow = try field(4, "day-of-week", 0...7, Self.dayNames)
        if dow & (1 << 7) != 0 { dow = (dow | 1) & ~(1 << 7) }
        daysOfWeek = dow
        dayOfMonthRestricted = !(fields[2].hasPrefix("*") || fields[2].hasPrefix("?"))
        dayOfWeekRestricted = !(fields[4].hasPrefix("*") || fields[4].hasPrefix("?"))
    }

    public var description: String { expression }

    /// The first time strictly after `date` (at a whole minute) that the schedule fires in `timeZone`, or nil when
    /// none exists within five years (e.g. `0 0 30 2 *`).
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while t <= limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                let weekday = c.weekday
            else { return nil }
            if months & (1 << UInt64(month)) == 0 {
                let next = month == 12 ? DateComponents(year: year + 1, month: 1, day: 1)
                    : DateComponents(year: year, month: month + 1, day: 1)
                guard let start = calendar.date(from: next), start > t else { return nil }
                t = calendar.startOfDay(for: start)
                continue
            }
            if !dayMatches(day: day, weekday: weekday - 1) {
                guard let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t)),
                    tomorrow > t
                else { return nil }
                t = calendar.startOfDay(for: tomorrow)
                continue
            }
            if hours & (1 << UInt64(hour)) == 0 {
                // Absolute arithmetic: local-time "start of next hour" is ambiguous when clocks fall back.
                t = t.addingTimeInterval(Double(60 - minute) * 60)
                continue
            }
            if minutes & (1 << UInt64(minute)) == 0 {
                t = t.addingTimeInterval(60)
                continue
            }
            // When clocks fall back a wall time happens twice; a schedule fires at the first one only.
            let hourEarlier = calendar.dateComponents([.day, .hour, .minute], from: t.addingTimeInterval(-3600))
            if hourEarlier.day == day, hourEarlier.hour == hour, hourEarlier.minute == minute {
                t = t.addingTimeInterval(60)
                continue
            }
            return t
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(day)) != 0
        let dow = daysOfWeek & (1 << UInt64(weekday)) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return dom || dow }
        return dom && dow
    }

    private struct FieldError: Error { var reason: String }

    private static func parseField(_ text: String, range: ClosedRange<Int>, names: [String],
                                   nameBase: Int) throws(FieldError) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw FieldError(reason: "empty list item") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw FieldError(reason: "more than one '/'") }
            var step = 1
            if parts.count == 2 {
                guard let s = Int(parts[1]), s > 0 else { throw FieldError(reason: "step must be a positive number") }
                step = s
            }
            let base = parts[0]
            var low: Int
            var high: Int
            if base == "*" || base == "?" {
                (low, high) = (range.lowerBound, range.upperBound)
                if range.upperBound == 7 { high = 6 }
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw FieldError(reason: "malformed range") }
                low = try value(bounds[0], range: range, names: names, nameBase: nameBase)
                if bounds.count == 2 {
                    high = try value(bounds[1], range: range, names: names, nameBase: nameBase)
                } else {
                    high = parts.count == 2 ? range.upperBound : low
                }
                guard low <= high else { throw FieldError(reason: "range start \(low) is after its end \(high)") }
            }
            for v in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(v) }
        }
        return bits
    }

    private static func value(_ text: Substring, range: ClosedRange<Int>, names: [String],
                              nameBase: Int) throws(FieldError) -> Int {
        if let index = names.firstIndex(of: text.uppercased()) { return index + nameBase }
        guard let v = Int(text), range.contains(v) else {
            throw FieldError(reason: "\"\(text)\" is not a value between \(range.lowerBound) and \(range.upperBound)")
        }
        return v
    }
}
