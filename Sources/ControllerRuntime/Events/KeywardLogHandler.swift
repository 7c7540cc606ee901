import Foundation
import KeywardCore
import KubernetesClient
import Logging
import Synchronization

/// `--log-format`: one JSON object per line for log pipelines, or aligned text for people.
public enum LogFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case json
    case text

    public var description: String { rawValue }
}

/// The operator's swift-log handler: JSON or text lines, with every string scrubbed of key material first.
///
/// Scrubbing here is the last line of defence for "secret material never appears in logs": a message built from
/// an error description or a dumped object can carry a PEM block its author never saw.
public struct KeywardLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    public let label: String
    public let format: LogFormat
    private let output: LogOutput
    private let clock: any WallClock

    public init(label: String, format: LogFormat, level: Logger.Level = .info, output: LogOutput = .standardError,
                metadataProvider: Logger.MetadataProvider? = nil, clock: any WallClock = SystemClock()) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
        self.metadataProvider = metadataProvider
        self.clock = clock
    }

    /// Makes every `Logger` in the process use this handler (call once, first thing in `main`).
    public static func bootstrap(format: LogFormat, level: Logger.Level, output: LogOutput = .standardError) {
        LoggingSystem.bootstrap { label in KeywardLogHandler(label: label, format: format, level: level, output: output) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let time = KeyTimeFormat.milliseconds(clock.now)
        let message = SecretScrubber.scrub(event.message.description)
        switch format {
        case .json: output.write(jsonLine(time: time, level: event.level, message: message, metadata: merged))
        case .text: output.write(textLine(time: time, level: event.level, message: message, metadata: merged))
        }
    }

    private static let reservedKeys: Set<String> = ["ts", "level", "logger", "msg"]

    func jsonLine(time: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var object: JSONObject = [
            "ts": .string(time), "level": .string(level.rawValue), "logger": .string(label), "msg": .string(message),
        ]
        for (key, value) in metadata {
            object[Self.reservedKeys.contains(key) ? "_" + key : key] = Self.json(value)
        }
        return JSONValue.object(object).jsonString + "\n"
    }

    func textLine(time: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = "\(time) \(level.rawValue.uppercased()) \(label): \(message)"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(Self.quoteIfNeeded(Self.text(metadata[key]!)))"
        }
        return line + "\n"
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): .string(SecretScrubber.scrub(s))
        case .stringConvertible(let c): .string(SecretScrubber.scrub(c.description))
        case .array(let values): .array(values.map(json))
        case .dictionary(let dictionary): .object(dictionary.mapValues(json))
        }
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): SecretScrubber.scrub(s)
        case .stringConvertible(let c): SecretScrubber.scrub(c.description)
        case .array(let values): "[" + values.map(text).joined(separator: ",") + "]"
        case .dictionary(let d): "{" + d.keys.sorted().map { "\($0)=\(text(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    private static func quoteIfNeeded(_ text: String) -> String {
        guard text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

/// RFC 3339 with milliseconds in UTC, the resolution log pipelines sort by.
enum KeyTimeFormat {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    static func milliseconds(_ date: Date) -> String { style.format(date) }
}

/// Where log lines go: a file descriptor written under a lock, so lines from concurrent tasks never interleave.
public final class LogOutput: Sendable {
    private let sink: Mutex<@Sendable (String) -> Void>

    public init(_ write: @escaping @Sendable (String) -> Void) { sink = Mutex(write) }

    public static let standardError = LogOutput { line in FileHandle.standardError.write(Data(line.utf8)) }
    public static let standardOutput = LogOutput { line in FileHandle.standardOutput.write(Data(line.utf8)) }

    func write(_ line: String) { sink.withLock { $0(line) } }
}

extension Logger {
    /// A logger whose every line names `object` (kind, namespace, name), as every line about a resource must.
    public func about<T: KubernetesResource>(_ object: T) -> Logger {
        about(kind: T.kind, namespace: object.metadata.namespace, name: object.metadata.name)
    }

    public func about(kind: String, namespace: String?, name: String) -> Logger {
        var logger = self
        logger[metadataKey: "kind"] = "\(kind)"
        if let namespace { logger[metadataKey: "namespace"] = "\(namespace)" }
        logger[metadataKey: "name"] = "\(name)"
        return logger
    }
}
