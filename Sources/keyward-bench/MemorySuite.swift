import Foundation

/// Suite 6, memory: the controller's peak resident memory with N Certificates and their Secrets, plus many
/// unrelated Secrets elsewhere in the cluster (the shape of cert-manager's published table). The controller is a
/// child process — this executable re-run as `keyward controller` — so the figure is its own, not the bench's or
/// the API server's. Baseline: the same controller idling against an empty cluster, and for that idle figure the
/// runtime floor (``RuntimeFloor``): this binary doing one verified HTTPS GET through libcurl and nothing else.
enum MemorySuite {
    static let name = "memory"

    static func run(report: Report, quick: Bool) async throws {
        let unrelated = quick ? 2_000 : 50_000
        let floorCluster = try await BenchCluster.start()
        let floor: (peakMiB: Double, fileMiB: Double)
        do {
            floor = try await RuntimeFloor.measure(floorCluster)
        } catch {
            await floorCluster.stop()
            throw error
        }
        await floorCluster.stop()
        report.add(Figure(name, "runtime floor (Swift, Foundation, libcurl: one HTTPS GET): peak RSS", floor.peakMiB, "MiB",
                          note: "\(Self.format(floor.fileMiB)) MiB file-backed"))
        let idleRun = try await ChildControllerRun(certificates: 0).run()
        let idle = idleRun.peakMiB
        if let idle {
            report.add(Figure(name, "idle controller, empty cluster: peak RSS", idle, "MiB",
                              baseline: ("runtime floor", floor.peakMiB),
                              note: idleRun.fileMiB.map { "\(Self.format($0)) MiB file-backed" }))
        }
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

    private static func format(_ mib: Double) -> String { String(format: "%.1f", mib) }

    /// Peak RSS in MiB of a `keyward controller` that has made every Certificate Ready and gone quiet.
    private static func measure(certificates count: Int, unrelated: Int) async throws -> Double? {
        try await ChildControllerRun(certificates: count, unrelatedSecrets: unrelated).run().peakMiB
    }
}
