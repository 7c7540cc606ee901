import Foundation

/// One file of an atomic directory version: its visible name, bytes, permission bits and optional owning group.
///
/// `description` never shows the bytes: a `FileSpec` usually carries a private key.
public struct FileSpec: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The visible name inside the target directory (a single path component, not starting with "..").
    public var name: String
    public var contents: Data
    /// Permission bits (e.g. `0o640` for a private key), applied exactly regardless of the process umask.
    public var mode: UInt32
    /// Group to own the file (the pod's fsGroup), or `nil` to leave the creating process's group.
    ///
    /// `nil` also means "don't care" when deciding whether a write would change anything.
    public var groupID: UInt32?

    public init(name: String, contents: Data, mode: UInt32 = 0o644, groupID: UInt32? = nil) {
        self.name = name
        self.contents = contents
        self.mode = mode
        self.groupID = groupID
    }

    public var description: String {
        let group = groupID.map { ", group \($0)" } ?? ""
        return "FileSpec(\(name), \(contents.count) bytes, mode 0\(String(mode, radix: 8))\(group))"
    }

    public var debugDescription: String { description }

    /// Whether an on-disk file `existing` already is this spec (a `nil` group accepts any group).
    func isSatisfied(by existing: FileSpec) -> Bool {
        name == existing.name && mode == existing.mode && (groupID == nil || groupID == existing.groupID)
            && contents == existing.contents
    }
}
