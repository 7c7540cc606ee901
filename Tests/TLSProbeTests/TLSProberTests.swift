import Foundation
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import Testing
import TLSProbe

/// The probe against a real nginx: the served chain as sent, the reload it observes, typed failures.
@Suite("TLS probe reads the served chain")
struct TLSProberTests {
    static let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])

    @Test func readsTheChainNginxServesAndSeesAReload() async throws {
        let files = try TemporaryDirectory()
        let first = ProbePKI.leaf()
        try files.write("fullchain.pem", first.fullchain)
        try files.write("key.pem", first.key)
        let nginx = try await NginxServer(certificateFile: files.path("fullchain.pem"), keyFile: files.path("key.pem"))
        let prober = TLSProber(egress: Self.loopback)
        let target = try ProbeTarget(address: nginx.address, serverName: "web.probe.test")

        let chain = try await prober.probe(target).get()
        #expect(chain.leafInfo.serialHex == first.serial)
        #expect(chain.leafInfo.dnsNames == ["web.probe.test"])
        #expect(chain.infos.count == 2, "nginx sends leaf and intermediate from fullchain.pem")
        #expect(chain.infos.last?.commonName == "Probe Test Intermediate CA")

        // New files on disk change nothing until nginx reloads: the probe reads what is served, not the files.
        let second = ProbePKI.leaf()
        try files.write("fullchain.pem", second.fullchain)
        try files.write("key.pem", second.key)
        #expect(try await prober.probe(target).get().leafInfo.serialHex == first.serial)
        try await nginx.reload()
        let reloaded = await within(30, every: .milliseconds(100)) {
            (try? await prober.probe(target).get().leafInfo.serialHex) == second.serial
        }
        #expect(reloaded, "the probe must see the reloaded certificate (no resumed TLS session)\n\(nginx.errorLog)")
        await nginx.stop()
    }

    @Test func defaultPolicyRefusesLoopbackBeforeConnecting() async throws {
        let listener = try CountingListener()
        let result = await TLSProber(egress: EgressPolicy()).probe(try ProbeTarget(address: "127.0.0.1:\(listener.port)"))
        #expect(result == .failure(.unreachable(.egressDenied)))
        listener.stop()
        #expect(listener.connectionCount == 0)
    }

    @Test func closedPortIsUnreachableAndPlainTCPIsATLSError() async throws {
        let refusing = try ClosedPort()
        let closed = await TLSProber(egress: Self.loopback).probe(try ProbeTarget(address: refusing.address))
        #expect(closed == .failure(.unreachable(.connectionFailed)))
        withExtendedLifetime(refusing) {}

        // A listener that accepts and never answers: the handshake times out within the probe's bound.
        let silent = try SilentListener()
        let hung = await TLSProber(egress: Self.loopback, timeout: .milliseconds(300))
            .probe(try ProbeTarget(address: silent.address))
        #expect(hung == .failure(.unreachable(.timedOut)))

        let counting = try CountingListener()
        let notTLS = await TLSProber(egress: Self.loopback, timeout: .seconds(5))
            .probe(try ProbeTarget(address: "127.0.0.1:\(counting.port)"))
        counting.stop()
        #expect(notTLS == .failure(.tls(.handshakeFailed)), "an HTTP answer to a ClientHello is a TLS error")
    }

    @Test func targetSyntaxIsStrict() throws {
        let v6 = try ProbeTarget(address: "[::1]:8443")
        #expect(v6.host == "::1" && v6.port == 8443 && v6.address == "[::1]:8443" && v6.serverName == "::1")
        #expect(!v6.sendsServerName)
        let named = try ProbeTarget(address: "web.demo.svc:443", serverName: "")
        #expect(named.serverName == "web.demo.svc" && named.sendsServerName)
        for bad in ["", "web", "web:0", "web:65536", "web:http", "::1:443", "[::1]443", "[1.2.3.4]:443", "a b:443",
                    "web:443/path", "*.web.test:443", "web.test:443\r\n"] {
            #expect(throws: ProbeTargetError.self, "\(bad.debugDescription) must be refused") { try ProbeTarget(address: bad) }
        }
        for bad in ["a:b", "*.web.test", "web/../x", "web.test\n"] {
            #expect(throws: ProbeTargetError.self) { try ProbeTarget(address: "web.test:443", serverName: bad) }
        }
    }

    @Test func verdictComparesServedSerialWithIssuedHistory() {
        #expect(ServedVerdict(servedSerial: "0A1B", currentSerial: "0a1b", issuedSerials: []) == .current)
        #expect(ServedVerdict(servedSerial: "99", currentSerial: "0a1b", issuedSerials: ["77", "99"]) == .stale)
        #expect(ServedVerdict(servedSerial: "42", currentSerial: "0a1b", issuedSerials: ["77", "99"]) == .unknown)
        #expect(ServedVerdict(servedSerial: "42", currentSerial: nil, issuedSerials: []) == .unknown)
    }
}
