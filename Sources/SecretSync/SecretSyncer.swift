import AtomicDirectory
import Foundation
import KeywardCore
import KubernetesClient
import Synchronization

/// The `keyward sync` sidecar: keeps a directory equal to one Secret and reloads the consumer after each change.
///
/// Files are written with ``AtomicDirectoryWriter``, so the consumer never sees a certificate from one version and
/// a key from another. Content that did not change writes nothing and reloads nothing, so Secret updates that only
/// touch metadata (or a restarted sidecar) never bounce the consumer.
public final class SecretSyncer: Sendable {
    public struct Options: Sendable {
        public var directory: String
        public var layout: SyncLayout
        /// Owning group of private files (the consumer's fsGroup).
        public var groupID: UInt32?
        public var reload: ReloadAction?

        public init(directory: String, layout: SyncLayout = .automatic, groupID: UInt32? = nil,
                    reload: ReloadAction? = nil) {
            self.directory = directory
            self.layout = layout
            self.groupID = groupID
            self.reload = reload
        }
    }

    /// What one update did.
    public enum Outcome: Sendable, Equatable {
        /// New files are current. `reload` is nil when no reload was due (no action configured, or this was the
        /// first version in an empty directory, which no consumer can have loaded yet).
        case updated(version: String, reload: ReloadResult?)
        case unchanged
        /// Nothing written (Secret absent, source interrupted, required keys missing); the old files stay.
        case kept(reason: String)
        case failed(SecretSyncError)
    }

    public enum ReloadResult: Sendable, Equatable {
        case succeeded
        case failed(ReloadError)
    }

    public let source: any SecretSource
    public let options: Options
    private let writer: AtomicDirectoryWriter
    private let reloader: ReloadRunner
    private let log: @Sendable (String) -> Void
    /// A reload that failed is retried with the next update, even an unchanged one, so a consumer that was down
    /// during a change still gets reloaded once it is back.
    private let reloadPending = Mutex(false)

    /// - Parameter log: one line per event (written, unchanged is silent, kept, reload result). Lines name keys
    ///   and files, never values.
    public init(source: any SecretSource, options: Options, reloader: ReloadRunner = ReloadRunner(),
                clock: any WallClock = SystemClock(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.source = source
        self.options = options
        self.writer = AtomicDirectoryWriter(directory: options.directory,
                                            configuration: AtomicDirectoryWriter.Configuration(clock: clock))
        self.reloader = reloader
        self.log = log
    }

    /// Syncs from the API server: the Secret `name` in `namespace`.
    public convenience init(client: KubernetesClient, namespace: String, name: String, options: Options,
                            clock: any WallClock = SystemClock(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(source: KubernetesSecretSource(client: client, namespace: namespace, name: name, clock: clock),
                  options: options, clock: clock, log: log)
    }

    /// Follows the source until it ends or the task is cancelled. Individual failures are logged, never thrown:
    /// the sidecar keeps the last good files and waits for the next change.
    public func run(onOutcome: @Sendable (Outcome) -> Void = { _ in }) async {
        for await update in source.updates() {
            onOutcome(await apply(update))
        }
    }

    /// Applies one update: writes the files if their content changed, then reloads.
    public func apply(_ update: SecretUpdate) async -> Outcome {
        let snapshot: SecretSnapshot
        switch update {
        case .absent:
            log("secret not found; keeping the current files in \(options.directory)")
            return .kept(reason: "secret not found")
        case .interrupted(let reason):
            log("cannot watch the secret (\(reason)); retrying, current files stay")
            return .kept(reason: reason)
        case .present(let present):
            snapshot = present
        }

        let files: [FileSpec]
        do {
            files = try options.layout.fileSpecs(for: snapshot.data, groupID: options.groupID)
        } catch {
            log("\(error)")
            return .kept(reason: error.description)
        }
        let previous = try? writer.currentVersion()
        let version: String
        do {
            switch try writer.write(files) {
            case .unchanged:
                guard reloadPending.withLock({ $0 }), let action = options.reload else { return .unchanged }
                let version = (try? writer.currentVersion()).flatMap { $0 } ?? ""
                return .updated(version: version, reload: await reload(action))
            case .updated(let written): version = written
            }
        } catch {
            log("writing \(options.directory) failed: \(error)")
            return .failed(.write(error))
        }
        let names = files.map(\.name).joined(separator: ", ")
        log("wrote \(names) to \(options.directory) (resourceVersion \(snapshot.resourceVersion ?? "-"))")

        guard let action = options.reload, previous != nil else { return .updated(version: version, reload: nil) }
        return .updated(version: version, reload: await reload(action))
    }

    private func reload(_ action: ReloadAction) async -> ReloadResult {
        do {
            try await reloader.run(action)
            reloadPending.withLock { $0 = false }
            log("reloaded: \(action)")
            return .succeeded
        } catch {
            reloadPending.withLock { $0 = true }
            log("reload failed: \(error)")
            return .failed(error)
        }
    }
}
