import Foundation
import SwiftASN1

/// RFC 5280's `Time`: UTCTime through 2049, GeneralizedTime from 2050 (section 4.1.2.5), whole seconds, always Z.
///
/// swift-certificates keeps its equivalent internal, and the CRL encoder needs it.
enum X509Time {
    static func serialize(_ date: Date, into coder: inout DER.Serializer) throws {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (year, month, day) = (c.year!, c.month!, c.day!)
        let (hour, minute, second) = (c.hour!, c.minute!, c.second!)
        if year >= 1950 && year < 2050 {
            try coder.serialize(
                UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second)
            )
        } else {
            try coder.serialize(
                GeneralizedTime(
                    year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second,
                    fractionalSeconds: 0
                )
            )
        }
    }

    static func parse(_ node: ASN1Node) throws -> Date {
        let parts: (Int, Int, Int, Int, Int, Int)
        switch node.identifier {
        case UTCTime.defaultIdentifier:
            let t = try UTCTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        case GeneralizedTime.defaultIdentifier:
            let t = try GeneralizedTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
        let components = DateComponents(
            timeZone: TimeZone(identifier: "UTC"),
            year: parts.0, month: parts.1, day: parts.2, hour: parts.3, minute: parts.4, second: parts.5
        )
        guard let date = utcCalendar.date(from: components) else {
            throw ASN1Error.invalidASN1Object(reason: "time out of range")
        }
        return date
    }

    /// Truncates to whole seconds, the precision X.509 times carry, so comparisons after a round trip hold.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
