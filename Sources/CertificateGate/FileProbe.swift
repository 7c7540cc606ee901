import Foundation
import KeywardCore

/// Reads a whole file, telling "not there yet" apart from "there but unreadable": the first is the normal state
/// before the certificate service has run, the second usually a permissions mistake worth printing.
public enum FileProbe {
    public enum Outcome: Sendable, Hashable {
        case missing
        case unreadable(String)
        case contents(Data)
    }

    /// Files larger than this are not certificate material; refusing them keeps a mistaken `--dir` (a huge log)
    /// from exhausting memory.
    public static let maximumSize = 16 << 20

    public static func read(_ path: String) -> Outcome {
        // Symlinks are followed (the files are links into `..data`), but never into something that blocks: a FIFO
        // or device planted by whoever shares the volume would hold the open, or the read, past `--timeout`.
        do {
            return .contents(try RegularFile.read(path, limit: maximumSize))
        } catch {
            switch error {
            // A dangling symlink (e.g. `cert.pem -> ..data/cert.pem` before the first swap) is "not there yet".
            case .missing: return .missing
            case .tooLarge: return .unreadable("larger than \(maximumSize >> 20) MiB")
            case .notRegular, .system: return .unreadable(error.description)
            }
        }
    }
}
