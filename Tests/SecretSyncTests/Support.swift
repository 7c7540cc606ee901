#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeywardTestSupport
import KeywardCore
import KeywardPKI
import SecretSync
import Synchronization
import Testing

/// A scratch directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-sync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func read(_ name: String) -> String? { try? String(contentsOfFile: file(name), encoding: .utf8) }

    func lines(_ name: String) -> [String] {
        (read(name) ?? "").split(separator: "\n").map(String.init)
    }
}

/// A source the test drives by hand.
final class ScriptedSource: SecretSource {
    let stream: AsyncStream<SecretUpdate>
    let continuation: AsyncStream<SecretUpdate>.Continuation

    init() {
        (stream, continuation) = AsyncStream<SecretUpdate>.makeStream()
    }

    func updates() -> AsyncStream<SecretUpdate> { stream }
    func send(_ update: SecretUpdate) { continuation.yield(update) }
    func finish() { continuation.finish() }
}

/// Values collected across tasks.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// Polls `condition` until it holds; fails the test after `limit` of real time. This bounds the wait; the
/// condition is what is asserted.
func eventually(_ what: String, limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while !(try await condition()) {
        guard clock.now < deadline else {
            Issue.record("gave up waiting for: \(what)")
            throw WaitFailure(description: "gave up waiting for: \(what)")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitFailure: Error, CustomStringConvertible {
    var description: String
}

/// Certificates for the sync tests: a root CA and leaves for `app.example.test` issued now (nginx and curl check
/// validity against the real clock).
enum PKI {
    static let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    static let rootKey = try! PrivateKey.generate(.ecdsaP256)
    static let root: IssuedCertificate = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(commonName: "Sync Test Root CA", duration: 3650 * 86400, isCA: true),
        subjectKey: rootKey, now: now.addingTimeInterval(-86400))
    static let rootIssuer = try! Issuer(certificate: root.certificate, privateKey: rootKey)

    static let intermediateKey = try! PrivateKey.generate(.ecdsaP256)
    static let intermediate: IssuedCertificate = try! rootIssuer.issue(
        template: CertificateTemplate(commonName: "Sync Test Intermediate CA", duration: 365 * 86400, isCA: true),
        subjectKey: intermediateKey, now: now.addingTimeInterval(-3600))
    static let intermediateIssuer = try! Issuer(
        certificate: intermediate.certificate, privateKey: intermediateKey, chain: [root.certificate])

    /// A leaf and its key as a Keyward certificate Secret holds them.
    static func secretData(name: String = "app.example.test", withCRL: Bool = false) -> (data: [String: Data], serial: String) {
        let key = try! PrivateKey.generate(.ecdsaP256)
        let issued = try! intermediateIssuer.issue(
            template: CertificateTemplate(commonName: name, dnsNames: [name], duration: 30 * 86400),
            subjectKey: key, now: now)
        var data: [String: Data] = [
            "tls.crt": Data(issued.fullchainPEM.utf8),
            "tls.key": Data(key.pemEncoded().utf8),
            "ca.crt": Data(issued.caPEM.utf8),
        ]
        if withCRL {
            let crl = try! intermediateIssuer.makeCRL(thisUpdate: now, nextUpdate: now.addingTimeInterval(86400),
                                                      crlNumber: 1, entries: [])!
            data["ca.crl"] = Data(crl.pemEncoded.utf8)
        }
        return (data, try! CertificateInfo(pemEncoded: issued.certificatePEM).serialHex)
    }
}

/// External programs the tests drive, with bounded waits. A missing tool fails the test with the fix.
enum Tool {
    struct Output: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    static func require(_ executable: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw WaitFailure(description: "\(executable) is missing: run scripts/install-tools.sh")
        }
    }

    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> Output {
        try require(executable)
        let scratch = try TemporaryDirectory()
        let outPath = scratch.file("stdout")
        let errPath = scratch.file("stderr")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.runSerialized()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw WaitFailure(description: "\(executable) \(arguments.joined(separator: " ")) exceeded \(timeout)s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return Output(status: process.terminationStatus, stdout: scratch.read("stdout") ?? "",
                      stderr: scratch.read("stderr") ?? "")
    }
}
