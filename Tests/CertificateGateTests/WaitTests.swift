import CertificateGate
import Foundation
import KeywardCore
import KeywardPKI
import Testing

@Suite("CertificateGate.wait")
struct WaitTests {
    @Test func timesOutWithTheLastReasonAndPrintsItOnce() async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock(now: Fixtures.issuedAt)
        let output = OutputLines()
        let options = WaitForCertsOptions(directory: dir.path, timeout: .seconds(10), interval: .seconds(2))

        let waiter = Task { try await CertificateGate.wait(options, clock: clock, output: output.append) }
        // Drive the clock poll by poll: each advance wakes the loop, which looks again and parks once more.
        var polls = 0
        while clock.now < Fixtures.issuedAt.addingTimeInterval(10) {
            try await eventually("the gate to park on the clock") { clock.sleeperCount == 1 }
            clock.advance(by: 2)
            polls += 1
        }
        let result = await waiter.result
        #expect(polls == 5)
        guard case .failure(let error) = result, let gateError = error as? CertificateGateError else {
            Issue.record("expected a CertificateGateError, got \(result)")
            return
        }
        #expect(gateError == .timedOut(after: .seconds(10), lastReason: .missingFile(path: dir.file("cert.pem"))))
        #expect(gateError.description.contains("cert.pem does not exist"))
        #expect(output.all == ["waiting: \(dir.file("cert.pem")) does not exist"])
    }

    @Test func printsOneLinePerChangeOfReasonAndReturnsWhenReady() async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock(now: Fixtures.issuedAt.addingTimeInterval(60))
        let output = OutputLines()
        let options = WaitForCertsOptions(directory: dir.path, interval: .seconds(1))
        let waiter = Task { try await CertificateGate.wait(options, clock: clock, output: output.append) }

        // Each step lets the loop look once and park again before the test touches the files, so every look sees
        // exactly the state the test set up.
        func poll() async throws {
            clock.advance(by: 1)
            try await eventually("the gate to park on the clock") { clock.sleeperCount == 1 }
        }
        try await eventually("the gate to park on the clock") { clock.sleeperCount == 1 }
        try await poll()  // same reason again: no new line
        try dir.write("privkey.pem", Fixtures.leafKey.pemEncoded())
        try await poll()  // the certificate is still missing: still no new line
        try dir.write("cert.pem", "garbage")
        try await poll()
        try await poll()
        try dir.write("cert.pem", Fixtures.leaf.certificatePEM)
        clock.advance(by: 1)

        let info = try await waiter.value
        #expect(info.serialHex == (try CertificateInfo(pemEncoded: Fixtures.leaf.certificatePEM)).serialHex)
        let lines = output.all
        try #require(lines.count == 3, "\(lines)")
        #expect(lines[0] == "waiting: \(dir.file("cert.pem")) does not exist")
        #expect(lines[1].hasPrefix("waiting: \(dir.file("cert.pem")) does not hold a usable certificate"))
        #expect(lines[2].hasPrefix("ready: \(dir.file("cert.pem")) (app.example.test, serial \(info.serialHex)"))
    }

    @Test func readyFilesReturnAtOnce() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let clock = ManualClock(now: Fixtures.issuedAt)
        let output = OutputLines()
        let options = WaitForCertsOptions(directory: dir.path, timeout: .seconds(0))
        _ = try await CertificateGate.wait(options, clock: clock, output: output.append)
        #expect(output.all.count == 1)
        #expect(clock.now == Fixtures.issuedAt)
    }

    @Test func invalidOptionsThrowBeforeWaiting() async throws {
        let clock = ManualClock()
        await #expect(throws: CertificateGateError.invalidOptions(reason: "--crl requires --ca (the CRL must be signed by the CA)")) {
            _ = try await CertificateGate.wait(WaitForCertsOptions(directory: "/nonexistent", crlFile: "/x"),
                                               clock: clock, output: { _ in })
        }
    }

    @Test func cancellationEndsTheWait() async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock()
        let waiter = Task {
            try await CertificateGate.wait(WaitForCertsOptions(directory: dir.path), clock: clock, output: { _ in })
        }
        try await eventually("the gate to park on the clock") { clock.sleeperCount == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
    }
}

@Test func exitCodesTellUsageErrorsFromTimeouts() {
    #expect(CertificateGateError.invalidOptions(reason: "x").exitCode == 2)
    #expect(CertificateGateError.timedOut(after: .seconds(1), lastReason: .missingFile(path: "/c")).exitCode == 1)
}
