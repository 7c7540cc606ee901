import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as an absolute time.
public enum RetryAfter {
    /// The longest delay believed (a server's value is capped, never trusted to overflow): 30 days.
    public static let maximumDelay: TimeInterval = 30 * 86_400

    /// The moment `value` names, relative to `now` for delay-seconds; nil when it is neither form.
    public static func parse(_ value: String, now: Date) -> Date? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits only; more than 9 of them is beyond the cap anyway.
            let seconds = text.count > 9 ? maximumDelay : min(TimeInterval(Int(text) ?? 0), maximumDelay)
            return now.addingTimeInterval(seconds)
        }
        guard let date = httpDate(text) else { return nil }
        return min(date, now.addingTimeInterval(maximumDelay))
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders to use.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}
