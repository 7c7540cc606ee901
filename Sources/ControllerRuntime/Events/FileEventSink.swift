import Foundation
import KubernetesClient
import KubernetesResources

/// Standalone mode: appends each Event (and each repeat, with its new count) as one JSON line to a file.
public actor FileEventSink: EventSink {
    private let path: String
    private var handle: FileHandle?

    public init(path: String) { self.path = path }

    public func create(_ event: Event) async throws(EventSinkError) { try append(event) }

    public func update(_ event: Event) async throws(EventSinkError) { try append(event) }

    private func append(_ event: Event) throws(EventSinkError) {
        let namespace = event.metadata.namespace ?? "default"
        do {
            var line = try KubeJSON.makeEncoder().encode(event)
            line.append(0x0A)
            let handle = try openHandle()
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            handle = nil
            throw .failed(name: event.metadata.name, namespace: namespace, reason: String(describing: error))
        }
    }

    private func openHandle() throws -> FileHandle {
        if let handle { return handle }
        if !FileManager.default.fileExists(atPath: path) {
            // 0600 like every other state file: Event messages name objects and issuers.
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let opened = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle = opened
        return opened
    }
}
