import Foundation
import KubernetesClient
import KubernetesResources
import Testing

// Bad-input corpus for watch streams (issue 8): truncated, garbage and hostile lines fed to WatchLineDecoder in
// arbitrary chunks. Each row says which events come out intact before the failure and which typed error ends it;
// none may crash, and no error may echo a Secret value from the line.

/// A value planted in Secret lines: no error message may contain it.
private let plantedValue = "UExBTlRFRC1TRUNSRVQtVkFMVUUtNzc"

private func configMap(_ type: String, _ name: String, rv: Int = 1) -> String {
    #"{"type":"\#(type)","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","namespace":"default","resourceVersion":"\#(rv)"},"data":{"k":"v"}}}"#
}

private func secret(data value: String) -> String {
    #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"default"},"data":{"password":"\#(value)"}}}"#
}

private func status(_ code: Int?, reason: String) -> String {
    let codeField = code.map { #","code":\#($0)"# } ?? ""
    return #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"\#(reason)"\#(codeField)}}"#
}

/// A line cut between the two bytes of "ä".
private func cutInsideUmlaut() -> Data {
    let bytes = Data(configMap("ADDED", "ä").utf8)
    return bytes.prefix(through: bytes.firstIndex(of: 0xC3)!)
}

/// How a row's stream must end.
enum WatchLineEnd: Sendable, Equatable {
    /// Every byte decoded; the stream ends cleanly.
    case clean
    /// A line that is not a watch event: `KubernetesError.decoding` naming the event type, with `detail` in it.
    case undecodable(detail: String)
    /// An ERROR event: the API status code it maps to.
    case apiStatus(code: Int)
}

struct WatchLineCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// The response body as the transport delivered it.
    var chunks: [Data]
    /// Decode as Secrets (for the rows with planted values) instead of ConfigMaps.
    var secrets = false
    /// Events (`TYPE name`) that must come out, in order, before the end.
    var events: [String]
    var end: WatchLineEnd
    var testDescription: String { name }

    init(_ name: String, _ chunks: [String], secrets: Bool = false, events: [String] = [], end: WatchLineEnd) {
        self.init(name, bytes: chunks.map { Data($0.utf8) }, secrets: secrets, events: events, end: end)
    }

    init(_ name: String, bytes: [Data], secrets: Bool = false, events: [String] = [], end: WatchLineEnd) {
        self.name = name
        self.chunks = bytes
        self.secrets = secrets
        self.events = events
        self.end = end
    }
}

let watchLineCorpus: [WatchLineCase] = [
    // Framing: however the body is split, whole lines decode exactly once.
    .init("one byte per chunk", Array(configMap("ADDED", "a") + "\n" + configMap("MODIFIED", "a", rv: 2) + "\n").map { String($0) },
          events: ["ADDED a", "MODIFIED a"], end: .clean),
    .init("last line without a newline", [configMap("ADDED", "a") + "\n" + configMap("DELETED", "a")],
          events: ["ADDED a", "DELETED a"], end: .clean),
    .init("CRLF line endings", [configMap("ADDED", "a") + "\r\n" + configMap("ADDED", "b") + "\r\n"],
          events: ["ADDED a", "ADDED b"], end: .clean),
    .init("blank and whitespace-only lines", ["\n \r\n" + configMap("ADDED", "a") + "\n\n   \n"], events: ["ADDED a"], end: .clean),
    .init("bookmark without metadata", [#"{"type":"BOOKMARK","object":{}}"# + "\n"], events: ["BOOKMARK "], end: .clean),
    // Truncation: what arrived whole is delivered, the torn line is an error.
    .init("stream cut inside the last line", [configMap("ADDED", "a") + "\n", String(configMap("MODIFIED", "a").prefix(70))],
          events: ["ADDED a"], end: .undecodable(detail: "not valid JSON")),
    .init("stream cut inside a Secret value", [String(secret(data: plantedValue).dropLast(12))], secrets: true,
          end: .undecodable(detail: "not valid JSON")),
    .init("stream cut right after the type", [#"{"type":"ADDED""#], end: .undecodable(detail: "not valid JSON")),
    .init("stream cut inside a UTF-8 sequence", bytes: [cutInsideUmlaut()], end: .undecodable(detail: "not valid JSON")),
    // Garbage lines.
    .init("plain text", ["hello watcher\n"], end: .undecodable(detail: "not valid JSON")),
    .init("binary bytes", bytes: [Data([0xFF, 0xFE, 0x00, 0x9C, 0x0A])], end: .undecodable(detail: "not valid JSON")),
    .init("a JSON array", ["[1,2,3]\n"], end: .undecodable(detail: "found an array")),
    .init("a NUL inside the line", [configMap("ADDED", "a").replacingOccurrences(of: "\"data\"", with: "\u{0}\"data\"") + "\n"],
          end: .undecodable(detail: "not valid JSON")),
    .init("no type", [#"{"object":{"metadata":{"name":"a"}}}"# + "\n"], end: .undecodable(detail: "type")),
    .init("unknown type", [#"{"type":"EXPLODED","object":{}}"# + "\n"], end: .undecodable(detail: "unknown watch event type 'EXPLODED'")),
    .init("ADDED without an object", [#"{"type":"ADDED"}"# + "\n"], end: .undecodable(detail: "object")),
    .init("metadata of the wrong type", [#"{"type":"ADDED","object":{"metadata":"oops"}}"# + "\n"], end: .undecodable(detail: "metadata")),
    .init("name of the wrong type", [#"{"type":"ADDED","object":{"metadata":{"name":5}}}"# + "\n"], end: .undecodable(detail: "name")),
    .init("Secret data that is not base64", [secret(data: plantedValue + "!!") + "\n"], secrets: true,
          end: .undecodable(detail: "password")),
    .init("good events, then garbage", [configMap("ADDED", "a") + "\n" + configMap("ADDED", "b") + "\n{garbage\n" + configMap("ADDED", "c") + "\n"],
          events: ["ADDED a", "ADDED b"], end: .undecodable(detail: "not valid JSON")),
    // ERROR events become typed API errors.
    .init("ERROR 410 Expired", [status(410, reason: "Expired") + "\n"], end: .apiStatus(code: 410)),
    .init("ERROR 403 Forbidden", [configMap("ADDED", "a") + "\n" + status(403, reason: "Forbidden") + "\n"],
          events: ["ADDED a"], end: .apiStatus(code: 403)),
    .init("ERROR without a code", [status(nil, reason: "InternalError") + "\n"], end: .apiStatus(code: 500)),
]

/// What a row produced: the events delivered and the error that ended it.
private struct Outcome {
    var events: [String] = []
    var error: (any Error)?
}

private func drive<Object: KubernetesResource>(_ type: Object.Type, _ chunks: [Data]) -> Outcome {
    var decoder = WatchLineDecoder<Object>()
    var outcome = Outcome()
    func describe(_ event: WatchEvent<Object>) -> String {
        switch event {
        case .added(let o): "ADDED \(o.metadata.name)"
        case .modified(let o): "MODIFIED \(o.metadata.name)"
        case .deleted(let o): "DELETED \(o.metadata.name)"
        case .bookmark(let rv): "BOOKMARK \(rv)"
        case .unreadable(let item, let rv): "UNREADABLE \(item.name ?? "?") \(rv)"
        }
    }
    do {
        for chunk in chunks {
            decoder.append(chunk)
            while let event = try decoder.next() { outcome.events.append(describe(event)) }
        }
        while let event = try decoder.finish() { outcome.events.append(describe(event)) }
    } catch {
        outcome.error = error
    }
    return outcome
}

@Suite("Watch line bad-input corpus", .timeLimit(.minutes(1)))
struct WatchLineCorpusTests {
    @Test("each truncated or garbage watch body delivers its whole events, then ends in a typed error", arguments: watchLineCorpus)
    func corpus(_ row: WatchLineCase) throws {
        let outcome = row.secrets ? drive(Secret.self, row.chunks) : drive(ConfigMap.self, row.chunks)
        #expect(outcome.events == row.events)
        switch row.end {
        case .clean:
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        case .undecodable(let detail):
            let error = try #require(outcome.error as? KubernetesError, "\(String(describing: outcome.error))")
            guard case .decoding(let type, let text) = error else {
                Issue.record("expected a decoding error, got \(error)")
                return
            }
            #expect(type == "watch event of \(row.secrets ? "Secret" : "ConfigMap")")
            #expect(text.contains(detail), "\(text) should mention \(detail)")
            #expect("\(error)".hasPrefix("cannot decode watch event of"))
            #expect(!"\(error)".contains(plantedValue) && !"\(error)".contains(String(plantedValue.prefix(12))),
                    "the error echoes the Secret value: \(error)")
        case .apiStatus(let code):
            let error = try #require(outcome.error as? KubernetesError, "\(String(describing: outcome.error))")
            #expect(error.code == code, "\(error)")
            if code == 410 { #expect(error.isGone) }
        }
    }

    /// A well-formed event whose object cannot be decoded (nested past the parser's limit, data that is not base64)
    /// must not end the watch: the object is reported unreadable, by name and version, and the watch goes on.
    @Test("an event whose object cannot be decoded is reported unreadable and the lines after it still arrive")
    func unreadableObjectDoesNotEndTheWatch() throws {
        let nested = String(repeating: #"{"x":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        let deep = #"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","namespace":"default","resourceVersion":"7"},"deep":\#(nested)}}"#
        var decoder = WatchLineDecoder<ConfigMap>()
        decoder.append(Data((deep + "\n" + configMap("ADDED", "after", rv: 8) + "\n").utf8))
        guard case .unreadable(let item, let version) = try #require(try decoder.next()) else {
            Issue.record("expected an unreadable event")
            return
        }
        #expect(item.namespace == "default" && item.name == "deep" && version == "7")
        #expect(item.reason.contains("nested deeper than 512"), "\(item.reason)")
        #expect(try decoder.next()?.object?.metadata.name == "after")

        let badSecret = #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"default","resourceVersion":"9"},"data":{"password":"\#(plantedValue)!!"}}}"#
        var secrets = WatchLineDecoder<Secret>()
        secrets.append(Data((badSecret + "\n").utf8))
        guard case .unreadable(let secret, "9") = try #require(try secrets.next()) else {
            Issue.record("expected an unreadable Secret")
            return
        }
        #expect(secret.reason.contains("password"), "\(secret.reason)")
        #expect(!secret.description.contains(String(plantedValue.prefix(12))), "the reason echoes the Secret value: \(secret)")
    }

    @Test("a garbage line does not poison the lines after it")
    func recoversAfterGarbage() throws {
        var decoder = WatchLineDecoder<ConfigMap>()
        decoder.append(Data(("not json\n" + configMap("ADDED", "after") + "\n").utf8))
        #expect(throws: KubernetesError.self) { try decoder.next() }
        let event = try #require(try decoder.next())
        #expect(event.object?.metadata.name == "after")
        #expect(try decoder.finish() == nil)
    }

    @Test("a stream that never sends a newline is cut off at the line limit instead of growing without bound")
    func endlessLineIsBounded() throws {
        var decoder = WatchLineDecoder<ConfigMap>(maximumLineBytes: 4096)
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1000)
        var thrown: (any Error)?
        for _ in 0..<10 where thrown == nil {
            decoder.append(chunk)
            do { _ = try decoder.next() } catch { thrown = error }
        }
        let error = try #require(thrown as? KubernetesError, "no error after 10,000 bytes without a newline")
        #expect("\(error)".contains("without a newline (limit 4096)"), "\(error)")
        // The oversized line is dropped; a good line after it still decodes.
        decoder.append(Data(("\n" + configMap("ADDED", "after") + "\n").utf8))
        #expect(try decoder.next()?.object?.metadata.name == "after")
    }

    @Test("the echo of a version this process wrote comes as a bookmark of it, once; other versions decode")
    func echoesOfOwnWritesAreBookmarks() throws {
        let echoes = WatchEchoFilter()
        echoes.expect(namespace: "default", name: "mine", resourceVersion: "7")
        echoes.expect(namespace: "default", name: "raced", resourceVersion: "9")
        var decoder = WatchLineDecoder<ConfigMap>(echoes: echoes)
        let lines = [configMap("MODIFIED", "mine", rv: 7), configMap("MODIFIED", "mine", rv: 7), configMap("MODIFIED", "raced", rv: 8),
                     configMap("DELETED", "other", rv: 10)]
        decoder.append(Data((lines.joined(separator: "\n") + "\n").utf8))
        guard case .bookmark(let version) = try #require(try decoder.next()) else { Issue.record("not a bookmark"); return }
        #expect(version == "7")
        // Used once: the same version again (a replay) decodes.
        #expect(try decoder.next()?.object?.metadata.name == "mine")
        // Another version of an expected object decodes, and drops the expectation.
        #expect(try decoder.next()?.object?.metadata.resourceVersion == "8")
        #expect(try decoder.next()?.object?.metadata.name == "other")
        #expect(echoes.count == 0)
    }

    @Test("the echo filter forgets everything past its capacity rather than growing")
    func echoFilterIsBounded() {
        let echoes = WatchEchoFilter()
        for i in 0...WatchEchoFilter.capacity { echoes.expect(namespace: "n", name: "o\(i)", resourceVersion: "1") }
        #expect(echoes.count == 1)
    }

    @Test("a half line stays buffered until its end arrives; nothing is decoded twice")
    func partialLineWaits() throws {
        var decoder = WatchLineDecoder<ConfigMap>()
        let line = configMap("ADDED", "split") + "\n"
        decoder.append(Data(line.prefix(40).utf8))
        #expect(try decoder.next() == nil)
        decoder.append(Data(line.dropFirst(40).utf8))
        #expect(try decoder.next()?.object?.metadata.name == "split")
        #expect(try decoder.next() == nil)
        #expect(try decoder.finish() == nil)
    }
}
