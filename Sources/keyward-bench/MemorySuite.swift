import Foundation

/// Suite 6, memory: the controller's peak resident memory with N Certificates and their Secrets, plus many
/// unrelated Secrets elsewhere in the cluster (the shape of cert-manager's published table). The controller is a
/// child process — this executable re-run as `keyward controller` — so the figure is its own, not the bench's or
/// the API server's. Baseline: the same controller idling against an empty cluster.
enum MemorySuite {
    static let name = "memory"

    static func run(report: Report, quick: Bool) async throws {
        let unrelated = quick ? 2_000 : 50_000
        let idle = try await measure(certificates: 0, unrelated: 0)
        if let idle { report.add(Figure(name, "idle controller, empty cluster: peak RSS", idle, "MiB")) }
        for count in quick ? [100] : [1_000, 10_000] {
            guard let peak = try await measure(certificates: count, unrelated: unrelated) else {
                report.note(name, "N = \(count): the controller did not settle; no figure")
                continue
            }
            let peer: String = switch count {
            case 1_000: "cert-manager v1.14.5: 95 MB"
            case 10_000: "cert-manager v1.14.5: 528 MB"
            default: "cert-manager v1.14.5: 95 MB at 1k"
            }
            report.add(Figure(name, "N = \(count.formatted()) + \(unrelated.formatted()) unrelated Secrets: peak RSS", peak, "MiB",
                              baseline: idle.map { ("idle controller", $0) }, note: peer))
        }
    }

    /// Peak RSS in MiB of a `keyward controller` that has made every Certificate Ready and gone quiet.
    private static func measure(certificates count: Int, unrelated: Int) async throws -> Double? {
        try await ChildControllerRun(certificates: count, unrelatedSecrets: unrelated).run().peakMiB
    }
}
