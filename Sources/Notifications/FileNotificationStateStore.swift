import Foundation

/// Standalone mode's store: `<state>/notifications.json`, replaced atomically (temporary file + rename), 0600.
/// One process writes it at a time (`keyward run`, or `keyward notify replay` between runs).
public actor FileNotificationStateStore: NotificationStateStore {
    public static let fileName = "notifications.json"
    public nonisolated let location: String

    public init(stateDirectory: String) {
        location = (stateDirectory as NSString).appendingPathComponent(Self.fileName)
    }

    public func modify<T: Sendable>(_ change: @Sendable (inout NotificationState) -> T) async throws -> T {
        var state = try load()
        let before = state
        let result = change(&state)
        if state != before { try save(state) }
        return result
    }

    private func load() throws -> NotificationState {
        guard FileManager.default.fileExists(atPath: location) else { return NotificationState() }
        do {
            return try NotificationState.decode(try Data(contentsOf: URL(fileURLWithPath: location)))
        } catch {
            throw NotificationError.state(location: location, reason: "unreadable (\(type(of: error)))")
        }
    }

    private func save(_ state: NotificationState) throws {
        let directory = (location as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\(Self.fileName).\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary, contents: try state.encoded(),
                                                 attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
            guard rename(temporary, location) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw NotificationError.state(location: location, reason: "cannot be written (\(error.localizedDescription))")
        }
    }
}
