import Foundation
import KubernetesResources
import Logging

/// Standalone mode (no Kubernetes): every Event and every repeat becomes one log line.
public struct LogEventSink: EventSink {
    private let logger: Logger

    public init(logger: Logger = Logger(label: "keyward.events")) { self.logger = logger }

    public func create(_ event: Event) async throws(EventSinkError) { log(event) }

    public func update(_ event: Event) async throws(EventSinkError) { log(event) }

    private func log(_ event: Event) {
        let object = event.involvedObject
        var metadata: Logger.Metadata = [
            "reason": "\(event.reason ?? "")",
            "kind": "\(object.kind ?? "")",
            "name": "\(object.name ?? "")",
            "count": "\(event.count ?? 1)",
        ]
        if let namespace = object.namespace { metadata["namespace"] = "\(namespace)" }
        let level: Logger.Level = event.type == .warning ? .warning : .info
        logger.log(level: level, "\(event.message ?? "")", metadata: metadata)
    }
}
