import Foundation

/// Suite 11, scale: how the controller's cost grows with N, up to 50,000 Certificates in one cluster. Each size is a
/// fresh `keyward controller` child against N waiting leaves from one ready CA: time until all are Ready, peak RSS,
/// and the requests a resync makes once everything is idle. The baseline of each per-certificate figure is the same
/// figure at the smallest N of the run, so a ratio above 1 is growth worse than linear.
enum ScaleSuite {
    static let name = "scale"

    static func run(report: Report, quick: Bool) async throws {
        let sizes = quick ? [100, 400] : [5_000, 50_000]
        var smallest: (count: Int, msPerCertificate: Double, kibPerCertificate: Double?)?
        let idle = try await ChildControllerRun(certificates: 0).run().peakMiB
        for count in sizes {
            // Each resync replays all N objects, and a fixed interval would fit more of them into a larger N's run:
            // N² in total, from the bench alone (at 5 s, fifteen replays of 100,000 objects during 50,000 issuances,
            // against one at 5,000). An interval in proportion to the smallest size keeps the replays' share the same.
            // (The quick sizes finish within one interval.)
            let resync = quick ? 5 : 5 * max(1, TimeInterval(count) / TimeInterval(sizes[0]))
            let result = try await ChildControllerRun(certificates: count, resyncInterval: resync).run()
            let label = "N = \(count.formatted())"
            guard let seconds = result.readySeconds else {
                report.note(name, "\(label): not every Certificate became Ready in time; no figure")
                continue
            }
            let msPerCertificate = seconds / Double(count) * 1000
            let kibPerCertificate = both(result.peakMiB, idle).map { pair in (pair.0 - pair.1) * 1024 / Double(count) }
            report.add(Figure(name, "\(label): all Ready after", seconds, "s"))
            report.add(Figure(name, "\(label): time per certificate", msPerCertificate, "ms/cert",
                              baseline: smallest.map { ("N = \($0.count.formatted())", $0.msPerCertificate) }))
            if let peak = result.peakMiB {
                report.add(Figure(name, "\(label): peak RSS", peak, "MiB", baseline: idle.map { ("idle controller", $0) }))
            }
            if let kibPerCertificate {
                report.add(Figure(name, "\(label): memory per certificate above idle", kibPerCertificate, "KiB/cert",
                                  baseline: smallest?.kibPerCertificate.map { ("N = \(smallest!.count.formatted())", $0) }))
            }
            if let requests = result.requestsPerResync {
                report.add(Figure(name, "\(label): requests per resync (every \(Int(resync)) s, idle)", requests, "req",
                                  note: result.resyncRequests.isEmpty ? "watch mode replays the cache" : result.resyncRequests))
            }
            if smallest == nil { smallest = (count, msPerCertificate, kibPerCertificate) }
        }
    }
}

/// Both values, or nil.
private func both(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
