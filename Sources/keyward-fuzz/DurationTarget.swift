import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient

/// The small text formats in specs and annotations: `duration`/`renewBefore`/`interval` (Go durations),
/// `schedule` (cron, with the next run computed as the scheduler would), verify templates, usages and timestamps.
enum DurationTarget {
    static let reference = Date(timeIntervalSince1970: 1_795_000_000)

    static func run(_ input: FuzzInput) {
        let text = input.text
        if let duration = try? GoDuration(parsing: text) { _ = duration.description }
        if let schedule = try? CronSchedule(parsing: text) {
            _ = schedule.next(after: reference, in: TimeZone(identifier: "UTC")!)
            _ = schedule.next(after: reference, in: TimeZone(identifier: "Europe/Berlin")!)
        }
        _ = try? VerifyTemplate(parsing: text)
        _ = try? CertificateUsage.parse(text.split(separator: ",").map(String.init))
        _ = KubeTime.parse(text)
    }
}
