import Foundation
import KeywardAPI
import KubernetesClient

/// The table `keyward run --once` and `keyward status` print: one row per Certificate and SecretRotation.
public struct StatusTable: Sendable {
    public struct Row: Sendable, Equatable {
        public var kind: String
        public var namespace: String
        public var name: String
        public var ready: String
        public var reason: String
        public var detail: String
        public var expires: String
        public var next: String
    }

    public var rows: [Row]

    public init(certificates: [Certificate], rotations: [SecretRotation]) {
        rows = certificates.map { certificate in
            let status = certificate.status
            let ready = status?.conditions.first { $0.type == Certificate.ConditionType.ready }
            return Row(kind: "Certificate", namespace: certificate.metadata.namespace ?? "", name: certificate.metadata.name,
                       ready: ready?.status.rawValue ?? "Unknown", reason: ready?.reason ?? "Pending",
                       detail: status?.serialNumber.map { "serial \($0.prefix(16))" } ?? "-",
                       expires: status?.notAfter.map(KubeTime.format) ?? "-",
                       next: status?.renewalTime.map(KubeTime.format) ?? "-")
        } + rotations.map { rotation in
            let status = rotation.status
            let ready = status?.conditions.first { $0.type == "Ready" }
            return Row(kind: "SecretRotation", namespace: rotation.metadata.namespace ?? "", name: rotation.metadata.name,
                       ready: ready?.status.rawValue ?? "Unknown", reason: ready?.reason ?? "Pending",
                       detail: status?.revision.map { "revision \($0)" } ?? "-", expires: "-",
                       next: status?.nextRotationTime.map(KubeTime.format) ?? "-")
        }
    }

    /// Readiness of every row; `keyward run --once` exits non-zero when any row is not ready.
    public var allReady: Bool { rows.allSatisfy { $0.ready == "True" } }

    public func rendered() -> String {
        let header = ["KIND", "NAMESPACE", "NAME", "READY", "REASON", "DETAIL", "EXPIRES", "NEXT"]
        let cells = [header] + rows.map { [$0.kind, $0.namespace, $0.name, $0.ready, $0.reason, $0.detail, $0.expires, $0.next] }
        let widths = header.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "   ")
        }.joined(separator: "\n")
    }
}
