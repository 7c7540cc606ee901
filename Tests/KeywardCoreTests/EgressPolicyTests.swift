import KeywardCore
import Testing

@Suite struct EgressPolicyTests {
    func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("10.1.2.3/8", "10.0.0.0/8"), ("192.0.2.7", "192.0.2.7/32"),
        ("fe80::1/10", "fe80::/10"), ("::1", "::1/128"), ("2001:db8::/32", "2001:db8::/32"), ("0.0.0.0/0", "0.0.0.0/0"),
        ("::ffff:127.0.0.0/104", "127.0.0.0/8"),
    ])
    func parses(text: String, normalised: String) throws {
        #expect(try CIDR(parsing: text).description == normalised)
    }

    @Test(arguments: ["", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "::/129", "10.0.0/8", "host/8",
                      "10.0.0.0/8/8", "fe80::1%eth0/64", "::ffff:10.0.0.0/64", " 10.0.0.0/8"])
    func rejects(text: String) {
        #expect(throws: CIDR.ParseError.self) { try CIDR(parsing: text) }
    }

    @Test func defaultDenyCoversLoopbackLinkLocalAndUnspecified() throws {
        let policy = EgressPolicy()
        for denied in ["127.0.0.1", "127.255.0.9", "::1", "169.254.169.254", "fe80::abcd", "0.0.0.0", "::",
                       "::ffff:127.0.0.1", "::ffff:169.254.169.254"] {
            #expect(!policy.allows(try ip(denied)), "\(denied)")
        }
        for allowed in ["10.0.0.1", "192.168.1.1", "8.8.8.8", "2001:db8::1", "fd00::1", "128.0.0.1", "169.255.0.1"] {
            #expect(policy.allows(try ip(allowed)), "\(allowed)")
        }
        #expect(policy.decision(for: try ip("169.254.169.254")) == .denied(try CIDR(parsing: "169.254.0.0/16")))
    }

    @Test func anAllowEntryWinsOverEveryDenyEntry() throws {
        let policy = EgressPolicy(deny: [try CIDR(parsing: "10.0.0.0/8")],
                                  allow: [try CIDR(parsing: "127.0.0.1/32"), try CIDR(parsing: "10.1.0.0/16")])
        #expect(policy.allows(try ip("127.0.0.1")))
        #expect(!policy.allows(try ip("127.0.0.2")))
        #expect(policy.allows(try ip("10.1.2.3")))
        #expect(!policy.allows(try ip("10.2.0.1")))
        #expect(EgressPolicy.unrestricted.allows(try ip("127.0.0.1")))
    }

    @Test func theOperatorsOwnPodAddressesAreDenied() throws {
        let own = EgressPolicy.ownAddresses(environment: ["POD_IP": "10.244.1.7", "POD_IPS": "10.244.1.7, fd00::7,junk"])
        #expect(own == [try ip("10.244.1.7"), try ip("fd00::7")])
        let policy = EgressPolicy(ownAddresses: own)
        #expect(!policy.allows(try ip("10.244.1.7")))
        #expect(!policy.allows(try ip("fd00::7")))
        #expect(policy.allows(try ip("10.244.1.8")))
        #expect(EgressPolicy.ownAddresses(environment: [:]).isEmpty)
    }

    @Test func addressesRoundTripThroughText() throws {
        #expect(try ip("::ffff:10.0.0.1") == (try ip("10.0.0.1")))
        #expect(try ip("2001:DB8::1").description == "2001:db8::1")
        #expect(IPAddress("1.2.3") == nil)
        #expect(IPAddress("") == nil)
        #expect(IPAddress(bytes: [1, 2]) == nil)
    }
}
