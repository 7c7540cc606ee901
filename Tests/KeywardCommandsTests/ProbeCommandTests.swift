import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing

/// `keyward probe` (the real binary) against a real nginx: output and exit codes for current, stale, wrong name and
/// unreachable.
@Suite("keyward probe: output and exit codes")
struct ProbeCommandTests {
    static let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    static let rootKey = try! PrivateKey.generate(.ecdsaP256)
    static let root = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(commonName: "Probe CLI Root CA", duration: 3650 * 86400, isCA: true),
        subjectKey: rootKey, now: now.addingTimeInterval(-86400))
    static let rootIssuer = try! Issuer(certificate: root.certificate, privateKey: rootKey)

    static func leaf() throws -> (fullchain: String, key: String, serial: String) {
        let key = try PrivateKey.generate(.ecdsaP256)
        let issued = try rootIssuer.issue(
            template: CertificateTemplate(commonName: "web.probe.test", dnsNames: ["web.probe.test"], duration: 30 * 86400),
            subjectKey: key, now: now)
        return (issued.fullchainPEM, key.pemEncoded(), try CertificateInfo(pemEncoded: issued.certificatePEM).serialHex)
    }

    func probe(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
        let process = try ChildProcess(try keywardExecutable(), ["probe"] + arguments)
        let status = await process.exitStatus(within: 60)
        return (status, process.stdout + process.stderr)
    }

    @Test func currentStaleWrongNameUnreachable() async throws {
        let files = try TemporaryDirectory()
        let served = try Self.leaf()
        let renewed = try Self.leaf()
        try files.write("fullchain.pem", served.fullchain)
        try files.write("key.pem", served.key)
        try files.write("served.pem", served.fullchain)
        try files.write("renewed.pem", renewed.fullchain)
        try files.write("ca.pem", Self.root.certificatePEM)
        let nginx = try await NginxServer(certificateFile: files.path("fullchain.pem"), keyFile: files.path("key.pem"))

        // Current: the served leaf is the expected one and verifies against the CA for the name.
        let current = try await probe([nginx.address, "--servername", "web.probe.test", "--ca", files.path("ca.pem"),
                                       "--expect-cert", files.path("served.pem")])
        #expect(current.status == 0, "\(current.output)")
        for text in ["[0] subject:  CN=web.probe.test", "SANs:     DNS:web.probe.test", "issuer:   CN=Probe CLI Root CA",
                     "serial:   \(served.serial.uppercased())", "day(s) left", "chain:    valid for web.probe.test",
                     "expected: matches \(files.path("served.pem"))", "\nok"] {
            #expect(current.output.contains(text), "missing \(text.debugDescription) in\n\(current.output)")
        }

        // Stale: the renewed certificate is expected, nginx still serves the old one.
        let stale = try await probe([nginx.address, "--servername", "web.probe.test", "--ca", files.path("ca.pem"),
                                     "--expect-cert", files.path("renewed.pem")])
        #expect(stale.status == 1, "\(stale.output)")
        #expect(stale.output.contains("MISMATCH: serves serial \(served.serial.uppercased())"), "\(stale.output)")
        #expect(stale.output.contains("holds serial \(renewed.serial.uppercased())"), "\(stale.output)")

        // Wrong name: nginx answers any SNI with its one certificate, which does not cover the name asked for.
        let wrongName = try await probe([nginx.address, "--servername", "other.probe.test", "--ca", files.path("ca.pem")])
        #expect(wrongName.status == 1, "\(wrongName.output)")
        #expect(wrongName.output.contains("the leaf does not cover \"other.probe.test\""), "\(wrongName.output)")
        #expect(wrongName.output.contains("chain:    invalid"), "\(wrongName.output)")

        // Unreachable: nothing listens. A port of its own that refuses connections: the stopped nginx's port was
        // taken by another test's TLS server once, which then answered with a handshake failure.
        await nginx.stop()
        let refusing = try ClosedPort()
        let unreachable = try await probe([refusing.address, "--servername", "web.probe.test"])
        #expect(unreachable.status == 2, "\(unreachable.output)")
        #expect(unreachable.output.contains("unreachable: \(refusing.address)"), "\(unreachable.output)")

        // Bad options are usage errors, not probe results.
        let bad = try await probe(["web.probe.test", "--expect-cert", "a", "--expect-secret", "b/c"])
        #expect(bad.status == 64, "\(bad.output)")
    }
}
