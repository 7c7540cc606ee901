import DNSUpdate
import Foundation
import KeywardCore
import KeywardTestSupport
import Testing

/// RFC 2136 updates and queries against a real BIND 9 on loopback, checked with the real `dig` as well as with our
/// own queries. Each test's named is killed when its fixture is released at the end of the test.
@Suite(.serialized) struct BindUpdateTests {
    static let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])

    struct Fixture {
        let bind: BindServer
        let server: DNSServerAddress
        let transport: DNSTransport
        let zone: DNSName

        init(algorithm: String = "hmac-sha256") async throws {
            bind = try await BindServer(algorithm: algorithm)
            server = try DNSServerAddress(parsing: bind.address)
            transport = DNSTransport(egress: BindUpdateTests.loopback, attemptTimeout: .seconds(2), attempts: 3)
            zone = try DNSName(parsing: bind.zone)
        }

        func updater(secret: String? = nil, keyName: String? = nil, clock: any WallClock = SystemClock()) throws -> RFC2136Updater {
            let key = try TSIGKey(name: keyName ?? bind.keyName, algorithm: try #require(TSIGAlgorithm(name: bind.algorithm)),
                                  base64Secret: secret ?? bind.keySecret)
            return RFC2136Updater(server: server, key: key, transport: transport, clock: clock)
        }

        var lookup: AuthoritativeLookup {
            AuthoritativeLookup(client: DNSQueryClient(transport: transport), lookupServers: [server], authoritativePort: bind.port)
        }
    }

    @Test func addsAndRemovesTXTRecordsThatDigAndEveryAuthoritativeServerSee() async throws {
        let fixture = try await Fixture()
        let updater = try fixture.updater()
        let name = try DNSName(parsing: "_acme-challenge.www.example.test")

        // The zone is found by walking up from the challenge name; its one NS resolves to 127.0.0.1.
        #expect(try await fixture.lookup.zone(for: name) == fixture.zone)
        let servers = try await fixture.lookup.servers(of: fixture.zone)
        #expect(servers.map(\.description) == ["ns1.example.test. (127.0.0.1:\(fixture.bind.port))"])

        try await updater.addTXT(name, value: "first-token", zone: fixture.zone)
        try await updater.addTXT(name, value: "second-token", zone: fixture.zone)
        #expect(try await fixture.bind.txtValues("_acme-challenge.www.example.test") == ["first-token", "second-token"])
        // named logs each update it applies (what the egress test shows is absent).
        #expect(fixture.bind.log.contains("updating zone 'example.test/IN': adding an RR at '_acme-challenge.www.example.test' TXT"))
        let check = TXTPropagationCheck(client: DNSQueryClient(transport: fixture.transport))
        try await check.waitUntilAnswered(name, value: "first-token", servers: servers, timeout: .seconds(30), interval: .milliseconds(200))
        #expect(await check.awaiting(name, value: "second-token", servers: servers).isEmpty)
        // www still answers its A record: the explicit record survives _acme-challenge.www existing.
        #expect(try await fixture.bind.dig(["A", "www.example.test", "+short"]).stdout.contains("127.0.0.1"))

        // Removing one value keeps the other; removing the RRset leaves nothing, and dig agrees.
        try await updater.removeTXT(name, value: "first-token", zone: fixture.zone)
        #expect(try await fixture.bind.txtValues("_acme-challenge.www.example.test") == ["second-token"])
        #expect(await check.awaiting(name, value: "first-token", servers: servers).count == 1)
        try await updater.removeTXTRRset(name, zone: fixture.zone)
        #expect(try await fixture.bind.txtValues("_acme-challenge.www.example.test") == [])
        let afterwards = try await DNSQueryClient(transport: fixture.transport).query(name, .txt, at: fixture.server)
        #expect(afterwards.answers.isEmpty && afterwards.header.isAuthoritative)
        // Removing what is already gone is not an error.
        try await updater.removeTXT(name, value: "first-token", zone: fixture.zone)
    }

    @Test(arguments: ["hmac-sha512", "hmac-sha1"])
    func signsWithTheOtherAlgorithms(algorithm: String) async throws {
        let fixture = try await Fixture(algorithm: algorithm)
        let name = try DNSName(parsing: "_acme-challenge.api.example.test")
        try await fixture.updater().addTXT(name, value: algorithm, zone: fixture.zone)
        #expect(try await fixture.bind.txtValues("_acme-challenge.api.example.test") == [algorithm])
    }

    @Test func wrongSecretUnknownKeyAndSkewedClockAreTypedErrors() async throws {
        let fixture = try await Fixture()
        let name = try DNSName(parsing: "_acme-challenge.www.example.test")
        let wrongSecret = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="
        await #expect(throws: DNSUpdateError.badSignature(server: fixture.bind.address, key: "keyward-test-key.")) {
            try await fixture.updater(secret: wrongSecret).addTXT(name, value: "x", zone: fixture.zone)
        }
        await #expect(throws: DNSUpdateError.badKey(server: fixture.bind.address, key: "no-such-key.")) {
            try await fixture.updater(keyName: "no-such-key").addTXT(name, value: "x", zone: fixture.zone)
        }
        // An hour behind: BIND answers BADTIME, signed, with its own clock.
        let behind = ManualClock(now: SystemClock().now.addingTimeInterval(-3600))
        do {
            try await fixture.updater(clock: behind).addTXT(name, value: "x", zone: fixture.zone)
            Issue.record("a request signed an hour ago was accepted")
        } catch {
            guard case .badTime(let server, let time) = error as? DNSUpdateError else { Issue.record("expected BADTIME, got \(error)"); return }
            #expect(server == fixture.bind.address)
            #expect(time.map { $0 > UInt64(behind.now.timeIntervalSince1970) + 3000 } == true)
        }
        // The key may only touch TXT records (update-policy zonesub TXT): an A record is REFUSED.
        await #expect(throws: DNSUpdateError.refused(server: fixture.bind.address, zone: "example.test.")) {
            try await fixture.updater().update(zone: fixture.zone, [DNSResourceRecord(
                name: try DNSName(parsing: "evil.example.test"), type: .a, ttl: 60, data: .a(try #require(IPAddress("10.0.0.1"))))])
        }
        // A zone the server does not serve: NOTAUTH.
        await #expect(throws: DNSUpdateError.notAuthoritative(server: fixture.bind.address, zone: "other.test.")) {
            try await fixture.updater().addTXT(try DNSName(parsing: "_acme-challenge.other.test"), value: "x",
                                               zone: try DNSName(parsing: "other.test"))
        }
        #expect(try await fixture.bind.txtValues("_acme-challenge.www.example.test") == [])
        #expect(try await fixture.bind.dig(["A", "evil.example.test", "+short"]).stdout.isEmpty)
        #expect(!fixture.bind.log.isEmpty && !"\(DNSUpdateError.badSignature(server: "s", key: "k"))".contains(fixture.bind.keySecret))
    }

    @Test func aTruncatedAnswerIsFetchedAgainOverTCP() async throws {
        let fixture = try await Fixture()
        let name = try DNSName(parsing: "_acme-challenge.api.example.test")
        let updater = try fixture.updater()
        let values = (0..<12).map { "value-\($0)-" + String(repeating: "v", count: 80) }
        for value in values { try await updater.addTXT(name, value: value, zone: fixture.zone) }
        // Over 1 KiB of TXT: a UDP answer without EDNS holds at most 512 octets, so BIND sets TC and only TCP has
        // every record.
        let dig = try await fixture.bind.dig(["TXT", "_acme-challenge.api.example.test", "+noedns", "+ignore"])
        #expect(dig.stdout.contains("tc"))
        let response = try await DNSQueryClient(transport: fixture.transport).query(name, .txt, at: fixture.server)
        #expect(response.answers.compactMap(\.data.text).sorted() == values.sorted())
        #expect(response.encoded().count > DNSTransport.udpLimit)
        let servers = try await fixture.lookup.servers(of: fixture.zone)
        #expect(await TXTPropagationCheck(client: DNSQueryClient(transport: fixture.transport))
            .awaiting(name, value: values[7], servers: servers).isEmpty)
    }

    @Test func theEgressPolicyIsCheckedBeforeAnyPacket() async throws {
        let fixture = try await Fixture()
        let denied = DNSTransport(egress: EgressPolicy())
        let key = try TSIGKey(name: fixture.bind.keyName, algorithm: .hmacSHA256, base64Secret: fixture.bind.keySecret)
        let updater = RFC2136Updater(server: fixture.server, key: key, transport: denied)
        let name = try DNSName(parsing: "_acme-challenge.www.example.test")
        await #expect(throws: DNSUpdateError.egressDenied(server: fixture.bind.address)) {
            try await updater.addTXT(name, value: "x", zone: fixture.zone)
        }
        await #expect(throws: DNSUpdateError.egressDenied(server: fixture.bind.address)) {
            try await DNSQueryClient(transport: denied).query(name, .txt, at: fixture.server)
        }
        #expect(try await fixture.bind.txtValues("_acme-challenge.www.example.test") == [])
        #expect(!fixture.bind.log.contains("updating zone"))
    }

    @Test func propagationWaitsAreBoundedAndSayWhatIsAwaited() async throws {
        let fixture = try await Fixture()
        let name = try DNSName(parsing: "_acme-challenge.www.example.test")
        let servers = try await fixture.lookup.servers(of: fixture.zone)
        // A server nobody runs, next to the real one: it is reported as awaited with why.
        let silent = try SilentListener()
        let unreachable = AuthoritativeServer(name: try DNSName(parsing: "ns2.example.test"),
                                              address: DNSServerAddress(address: try #require(IPAddress("127.0.0.1")), port: silent.port))
        let clock = ManualClock()
        // Each round waits this long (real time) for the silent server; the real one must answer within it even
        // on a loaded CI machine (300 ms once left it awaited too).
        let check = TXTPropagationCheck(client: DNSQueryClient(transport: DNSTransport(egress: Self.loopback,
                                                                                         attemptTimeout: .seconds(2), attempts: 1)))
        try await fixture.updater().addTXT(name, value: "token", zone: fixture.zone)
        let waiting = Task {
            try await check.waitUntilAnswered(name, value: "token", servers: servers + [unreachable], timeout: .seconds(10),
                                              interval: .seconds(5), clock: clock)
        }
        #expect(await within(30) { clock.sleeperCount > 0 })
        clock.advance(by: 5)
        #expect(await within(30) { clock.sleeperCount > 0 })
        clock.advance(by: 6)
        do {
            try await waiting.value
            Issue.record("an unreachable nameserver was counted as answering")
        } catch {
            guard case .propagationTimeout(let awaited, let awaiting) = error as? DNSUpdateError else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(awaited == "_acme-challenge.www.example.test.")
            #expect(awaiting.count == 1 && awaiting[0].hasPrefix("ns2.example.test. (127.0.0.1:\(silent.port))"), "\(awaiting)")
        }
    }

    @Test func aNameserverAtADeniedAddressIsAwaitedNeverContacted() async throws {
        // The zone (tenant-controlled in real life) names a second NS at the cloud metadata address.
        let bind = try await BindServer(records: ["@ IN NS ns2.example.test.", "ns2 IN A 169.254.169.254"])
        let server = try DNSServerAddress(parsing: bind.address)
        let transport = DNSTransport(egress: Self.loopback, attemptTimeout: .seconds(2), attempts: 1)
        let lookup = AuthoritativeLookup(client: DNSQueryClient(transport: transport), lookupServers: [server],
                                         authoritativePort: bind.port)
        let zone = try DNSName(parsing: "example.test")
        let servers = try await lookup.servers(of: zone)
        #expect(servers.map(\.name.description) == ["ns1.example.test.", "ns2.example.test."])
        let awaiting = await TXTPropagationCheck(client: DNSQueryClient(transport: transport))
            .awaiting(try DNSName(parsing: "_acme-challenge.www.example.test"), value: "v", servers: servers)
        #expect(awaiting.count == 2)
        #expect(awaiting.contains { $0.hasPrefix("ns2.example.test. (169.254.169.254:\(bind.port)): the egress policy denies") }, "\(awaiting)")
    }
}
