import Foundation
import KeywardCore
import KeywardPKI
import Synchronization
import Testing

/// Certificates for the gate tests, issued at a fixed instant so every expectation is exact.
enum Fixtures {
    /// The instant certificates are issued at (ManualClock's default start), truncated to whole seconds.
    static let issuedAt = Date(timeIntervalSince1970: 1_800_000_000)
    /// Leaves are valid for this long.
    static let leafDuration: TimeInterval = 30 * 86400

    static let rootKey = try! PrivateKey.generate(.ecdsaP256)
    static let root: IssuedCertificate = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(commonName: "Gate Test Root CA", duration: 3650 * 86400, isCA: true),
        subjectKey: rootKey, now: issuedAt.addingTimeInterval(-86400))
    static let rootIssuer = try! Issuer(certificate: root.certificate, privateKey: rootKey)

    static let otherRootKey = try! PrivateKey.generate(.ecdsaP256)
    static let otherRoot: IssuedCertificate = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(commonName: "Unrelated Root CA", duration: 3650 * 86400, isCA: true),
        subjectKey: otherRootKey, now: issuedAt.addingTimeInterval(-86400))
    static let otherRootIssuer = try! Issuer(certificate: otherRoot.certificate, privateKey: otherRootKey)

    static let leafKey = try! PrivateKey.generate(.ecdsaP256)
    static let leaf: IssuedCertificate = issueLeaf(key: leafKey)

    static func issueLeaf(
        key: PrivateKey, by issuer: Issuer = rootIssuer, names: [String] = ["app.example.test"],
        ips: [String] = ["127.0.0.1"], at instant: Date = issuedAt
    ) -> IssuedCertificate {
        try! issuer.issue(
            template: CertificateTemplate(commonName: names.first, dnsNames: names, ipAddresses: ips,
                                          duration: leafDuration),
            subjectKey: key, now: instant)
    }

    /// A CRL of the root revoking `revoked`, current from `thisUpdate` for a week.
    static func crl(revoking revoked: [IssuedCertificate], by issuer: Issuer = rootIssuer,
                    thisUpdate: Date = issuedAt, validFor: TimeInterval = 7 * 86400) -> String {
        let entries = revoked.map { RevokedCertificate($0.certificate, revocationDate: thisUpdate, reason: .keyCompromise) }
        return try! issuer.makeCRL(thisUpdate: thisUpdate, nextUpdate: thisUpdate.addingTimeInterval(validFor),
                                   crlNumber: 1, entries: entries)!.pemEncoded
    }
}

/// A scratch directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-gate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = URL(fileURLWithPath: file(name))
        try Data(bytes).write(to: url, options: .atomic)
        return url.path
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: file(name)) }

    /// Writes a certificate and its key the way Keyward's file output names them.
    func writePair(_ issued: IssuedCertificate, key: PrivateKey) throws {
        try write("cert.pem", issued.certificatePEM)
        try write("privkey.pem", key.pemEncoded())
        try write("fullchain.pem", issued.fullchainPEM)
        try write("chain.pem", issued.chainPEM)
        try write("ca.pem", issued.caPEM)
    }
}

/// Lines printed by the gate, collected across tasks.
final class OutputLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Polls `condition` until it holds; fails the test after `limit` of real time. This bounds the wait, it is not
/// a timed assertion: the condition is what is checked.
func eventually(_ what: String, limit: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while !(await condition()) {
        guard clock.now < deadline else {
            Issue.record("gave up waiting for: \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
