import Crypto
import Foundation

/// The HMAC key notifications are signed with (`--notify-signing-key-file`). Its description never shows the key,
/// so it cannot reach a log line or an error message by accident.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// 16 bytes at least: shorter secrets are guessable offline from one signed message.
    public static let minimumBytes = 16
    /// A key file is read with this bound (the file is operator-chosen, but a wrong path must not read a disk image).
    public static let maximumFileBytes = 4096

    /// Kept as bytes (Sendable); the CryptoKit key is made per use.
    private let bytes: Data
    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }

    /// The file's bytes with one trailing newline (or CR LF) removed, as `echo` or a Secret volume leaves them.
    public init(fileAt path: String) throws(NotificationError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .signingKey(path: path, reason: "cannot be opened")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Self.maximumFileBytes + 1)) ?? Data()
        guard data.count <= Self.maximumFileBytes else {
            throw .signingKey(path: path, reason: "is larger than \(Self.maximumFileBytes) bytes")
        }
        try self.init(bytes: data, origin: path)
    }

    public init(bytes: Data, origin: String = "the signing key") throws(NotificationError) {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard bytes.count >= Self.minimumBytes else {
            throw .signingKey(path: origin, reason: "holds fewer than \(Self.minimumBytes) bytes")
        }
        self.bytes = bytes
    }

    public var description: String { "SigningKey(redacted)" }
    public var debugDescription: String { description }
}
