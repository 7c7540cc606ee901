import Foundation
import RotationStrategies

/// Standalone mode's values-hash key: a file in the state folder (`hash-key`, mode 0600), created once with 32
/// random bytes.
public struct FileHashKeySource: ValuesHashKeySource {
    public static let fileName = "hash-key"
    let path: String

    public init(stateDirectory: String) { path = URL(fileURLWithPath: stateDirectory).appendingPathComponent(Self.fileName).path }

    public func key() async throws -> Data {
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing.count >= ValuesHasher.minimumKeyBytes else {
                throw ValuesHashKeyError.unusable(location: path, reason: "shorter than \(ValuesHasher.minimumKeyBytes) bytes")
            }
            return existing
        }
        let fresh = ValuesHasher.generateKey()
        // Exclusive create with 0600 from the start: never readable by others, and two runs cannot both write one.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST, let existing = FileManager.default.contents(atPath: path),
                existing.count >= ValuesHasher.minimumKeyBytes
            {
                return existing
            }
            throw ValuesHashKeyError.unusable(location: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = fresh.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == fresh.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw ValuesHashKeyError.unusable(location: path, reason: "cannot write")
        }
        return fresh
    }
}
