import Foundation

/// Suite 9, secret rotation latency (immediate and blue-green) against the seed's quoted 20–100 ms and 100–400 ms.
enum RotationSuite {
    static let name = "rotation"

    static func run(report: Report, quick: Bool) async throws {
        report.note(name, "skipped: the operator does not run the SecretRotation reconciler yet (OperatorAssembly wires "
                    + "only Certificates), so there is no rotation to time")
    }
}
