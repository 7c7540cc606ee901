import AtomicDirectory
import Foundation

/// How a Secret's keys become files.
///
/// Keyward's certificate Secrets hold `tls.crt` (leaf + intermediates), `tls.key`, `ca.crt` and optionally
/// `ca.crl`; consumers (nginx, Postfix, Dovecot) expect the file set Keyward's volume output writes: `cert.pem`,
/// `chain.pem`, `fullchain.pem`, `privkey.pem`, `ca.pem`, `crl.pem`. ``certificateFiles`` produces exactly that,
/// so a pod gets the same files from a sync sidecar as from a shared volume.
public enum SyncLayout: Sendable, Hashable {
    /// ``certificateFiles`` for a Secret holding `tls.crt` and `tls.key`, ``mirror`` for anything else.
    case automatic
    /// Every key becomes a file of the same name.
    case mirror
    /// Exactly these files.
    case files([FileMapping])

    /// The shared-volume certificate layout (item 1 of the file-output design).
    public static let certificateFiles = SyncLayout.files([
        FileMapping(file: "cert.pem", content: .firstCertificate(key: "tls.crt")),
        FileMapping(file: "chain.pem", content: .remainingCertificates(key: "tls.crt")),
        FileMapping(file: "fullchain.pem", content: .value(key: "tls.crt")),
        FileMapping(file: "privkey.pem", content: .value(key: "tls.key"), isPrivate: true),
        FileMapping(file: "ca.pem", content: .value(key: "ca.crt"), isOptional: true),
        FileMapping(file: "crl.pem", content: .value(key: "ca.crl"), isOptional: true),
    ])

    /// Keys renamed to files (`--map tls.crt=cert.pem`); every named key is required.
    public static func renaming(_ pairs: [(key: String, file: String)]) -> SyncLayout {
        .files(pairs.map { FileMapping(file: $0.file, content: .value(key: $0.key), isPrivate: isPrivateName($0.key)) })
    }

    /// The layout the `keyward sync` flags describe: `--layout automatic|certificate|mirror`, or `--map KEY=FILE`
    /// (repeatable), which replaces the layout.
    public static func fromFlags(layout: String? = nil, mappings: [String] = []) throws(SecretSyncError) -> SyncLayout {
        if !mappings.isEmpty {
            if let layout, layout != "automatic" {
                throw .invalidOptions(reason: "--map replaces --layout; give one or the other")
            }
            var pairs: [(key: String, file: String)] = []
            for text in mappings { pairs.append(try parseMapping(text)) }
            guard Set(pairs.map(\.file)).count == pairs.count else {
                throw .invalidOptions(reason: "--map names the same file twice")
            }
            for pair in pairs {
                do { try AtomicDirectoryWriter.validate(name: pair.file) } catch {
                    throw .invalidOptions(reason: "--map \(pair.key)=\(pair.file): \(error)")
                }
            }
            return renaming(pairs)
        }
        switch layout ?? "automatic" {
        case "automatic": return .automatic
        case "certificate": return certificateFiles
        case "mirror": return .mirror
        case let other: throw .invalidOptions(reason: "unknown --layout '\(other)' (automatic, certificate, mirror)")
        }
    }

    /// Parses `KEY=FILE` as the CLI writes it.
    public static func parseMapping(_ text: String) throws(SecretSyncError) -> (key: String, file: String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalidOptions(reason: "mapping '\(text)' is not KEY=FILE")
        }
        return (String(parts[0]), String(parts[1]))
    }

    /// The files for `data`, or why they cannot be written (a required key is missing).
    ///
    /// - Parameter groupID: owning group for private files (the consumer's fsGroup), `nil` to leave it.
    public func fileSpecs(for data: [String: Data], groupID: UInt32? = nil) throws(SecretSyncError) -> [FileSpec] {
        switch resolved(for: data) {
        case .automatic:
            preconditionFailure("resolved(for:) never returns .automatic")
        case .mirror:
            return data.keys.sorted().map { key in
                let isPrivate = Self.isPrivateName(key)
                return FileSpec(name: key, contents: data[key]!, mode: isPrivate ? 0o640 : 0o644,
                                groupID: isPrivate ? groupID : nil)
            }
        case .files(let mappings):
            let missing = mappings.filter { !$0.isOptional && data[$0.content.key] == nil }.map(\.content.key)
            if !missing.isEmpty { throw .missingKeys(Array(Set(missing)).sorted()) }
            return mappings.compactMap { mapping in
                guard let value = data[mapping.content.key] else { return nil }
                return FileSpec(name: mapping.file, contents: mapping.content.extract(from: value),
                                mode: mapping.isPrivate ? 0o640 : 0o644, groupID: mapping.isPrivate ? groupID : nil)
            }
        }
    }

    func resolved(for data: [String: Data]) -> SyncLayout {
        guard case .automatic = self else { return self }
        return data["tls.crt"] != nil && data["tls.key"] != nil ? Self.certificateFiles : .mirror
    }

    /// Whether a key's value is secret (0640) rather than public certificate material (0644). Anything not
    /// recognisably a certificate, CA bundle or CRL counts as secret: passwords and tokens must not be world-readable.
    static func isPrivateName(_ key: String) -> Bool {
        let name = key.lowercased()
        if name.contains("key") || name.contains("priv") { return true }
        return !(name.hasSuffix(".crt") || name.hasSuffix(".pem") || name.hasSuffix(".crl") || name.hasSuffix(".cer"))
    }
}

/// One file of a ``SyncLayout/files(_:)`` layout.
public struct FileMapping: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// The key's value as is.
        case value(key: String)
        /// The first PEM block of the key's value (the leaf of a `tls.crt` chain).
        case firstCertificate(key: String)
        /// Every PEM block after the first (the intermediates); empty when the leaf was issued by the root.
        case remainingCertificates(key: String)

        public var key: String {
            switch self {
            case .value(let key), .firstCertificate(let key), .remainingCertificates(let key): key
            }
        }

        func extract(from value: Data) -> Data {
            switch self {
            case .value: return value
            case .firstCertificate: return Data(PEMBlocks.split(value).first ?? value)
            case .remainingCertificates: return Data(PEMBlocks.split(value).dropFirst().joined())
            }
        }
    }

    public var file: String
    public var content: Content
    /// Written 0640 (owned by the configured group) instead of 0644.
    public var isPrivate: Bool
    /// Skipped, instead of blocking the write, when the key is absent (`ca.crl` exists only for CAs with a CRL).
    public var isOptional: Bool

    public init(file: String, content: Content, isPrivate: Bool = false, isOptional: Bool = false) {
        self.file = file
        self.content = content
        self.isPrivate = isPrivate
        self.isOptional = isOptional
    }
}

/// Splits concatenated PEM into its blocks, byte for byte, without decoding them: the sidecar copies certificate
/// material, it does not judge it (that is `wait-for-certs`' job).
enum PEMBlocks {
    static func split(_ data: Data) -> [Data] {
        let text = String(decoding: data, as: UTF8.self)
        var blocks: [Data] = []
        var current = ""
        var inside = false
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }) {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !inside, trimmed.hasPrefix("-----BEGIN ") { inside = true }
            if inside { current += trimmed + "\n" }
            if inside, trimmed.hasPrefix("-----END ") {
                blocks.append(Data(current.utf8))
                current = ""
                inside = false
            }
        }
        return blocks
    }
}
