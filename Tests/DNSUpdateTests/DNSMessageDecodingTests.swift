import DNSUpdate
import KeywardCore
import Testing

/// The decoder on well-formed and hostile bytes: compression is followed, loops and overreach are refused with a
/// typed error, nothing traps.
@Suite struct DNSMessageDecodingTests {
    static let header: [UInt8] = [0x12, 0x34, 0x84, 0x00]  // ID 0x1234, QR + AA, NOERROR

    static func message(qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0, _ body: [UInt8]) -> [UInt8] {
        var bytes = header
        for count in [qd, an, ns, ar] { bytes += [UInt8(count >> 8), UInt8(count & 0xFF)] }
        return bytes + body
    }

    static func labels(_ parts: String...) -> [UInt8] {
        parts.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    @Test func roundTripsAnUpdateWithEveryRecordKind() throws {
        let zone = try DNSName(parsing: "example.test")
        let name = try DNSName(parsing: "_acme-challenge.www.example.test.")
        var header = DNSHeader(id: 7, opcode: .update)
        header.isAuthoritative = true
        let message = DNSMessage(
            header: header, questions: [DNSQuestion(name: zone, type: .soa)],
            answers: [DNSResourceRecord(name: zone, type: .a, ttl: 60, data: .a(try #require(IPAddress("127.0.0.1")))),
                      DNSResourceRecord(name: zone, type: .aaaa, ttl: 60, data: .aaaa(try #require(IPAddress("2001:db8::1")))),
                      DNSResourceRecord(name: zone, type: .ns, ttl: 60, data: .ns(try DNSName(parsing: "ns1.example.test")))],
            authorities: [DNSResourceRecord(name: name, type: .txt, ttl: 60, data: .txt(String(repeating: "x", count: 300))),
                          DNSResourceRecord(name: name, type: .txt, dnsClass: .any, ttl: 0, data: .raw([]))])
        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(decoded == message)
        #expect(decoded.authorities[0].data.text == String(repeating: "x", count: 300))
        #expect(decoded.header.opcode == DNSOpcode.update.rawValue && decoded.header.isAuthoritative)
        #expect(decoded.signature == nil)
    }

    @Test func followsCompressionPointersBackwards() throws {
        // Question www.example.test; the answer's owner is a pointer to offset 12, its NS target is "ns1" + pointer
        // to "example.test" at offset 16.
        let question = Self.labels("www", "example", "test") + [0, 2, 0, 1]
        let answer: [UInt8] = [0xC0, 12, 0, 2, 0, 1, 0, 0, 0, 60, 0, 6, 3] + Array("ns1".utf8) + [0xC0, 16]
        let decoded = try DNSMessage(decoding: Self.message(qd: 1, an: 1, question + answer))
        #expect(decoded.answers[0].name == (try DNSName(parsing: "www.example.test")))
        #expect(decoded.answers[0].data == .ns(try DNSName(parsing: "ns1.example.test")))
        #expect(decoded.header.id == 0x1234)
    }

    @Test func refusesAPointerLoop() {
        // A name at offset 12 that is a pointer to itself, and one that points forwards.
        #expect(throws: DNSWireError.invalidPointer(offset: 12)) {
            try DNSMessage(decoding: Self.message(qd: 1, [0xC0, 12, 0, 1, 0, 1]))
        }
        #expect(throws: DNSWireError.invalidPointer(offset: 12)) {
            try DNSMessage(decoding: Self.message(qd: 1, [0xC0, 14, 1, 0x61, 0, 0, 1, 0, 1]))
        }
        // Two labels then a pointer back into the same label sequence (a loop through an earlier label).
        #expect(throws: DNSWireError.invalidPointer(offset: 16)) {
            try DNSMessage(decoding: Self.message(qd: 1, [1, 0x61, 1, 0x62, 0xC0, 12, 0, 1, 0, 1]))
        }
    }

    @Test func refusesCountsTheMessageCannotHold() {
        #expect(throws: DNSWireError.countExceedsMessage(count: 65535 * 4, bytes: 12)) {
            try DNSMessage(decoding: Self.message(qd: 65535, an: 65535, ns: 65535, ar: 65535, []))
        }
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: Self.message(an: 3, [UInt8](repeating: 0, count: 22))) }
    }

    @Test func refusesLengthsPastTheEnd() {
        // A label announcing 63 octets with 3 present; an RDLENGTH past the end; a header cut short.
        #expect(throws: DNSWireError.truncated(offset: 12)) { try DNSMessage(decoding: Self.message(qd: 1, [63, 0x61, 0x61, 0x61, 0, 0, 0])) }
        let record: [UInt8] = [0, 0, 16, 0, 1, 0, 0, 0, 60, 0xFF, 0xFF, 1, 0x61]
        #expect(throws: DNSWireError.truncated(offset: 23)) { try DNSMessage(decoding: Self.message(an: 1, record)) }
        #expect(throws: DNSWireError.truncated(offset: 4)) { try DNSMessage(decoding: [0x12, 0x34, 0x84, 0x00, 0x00]) }
        // A TXT character-string longer than its record's data.
        let txt: [UInt8] = [0, 0, 16, 0, 1, 0, 0, 0, 60, 0, 2, 5, 0x61]
        #expect(throws: DNSWireError.invalidRecordData(type: 16, offset: 23)) { try DNSMessage(decoding: Self.message(an: 1, txt)) }
        // An A record with 3 octets of data.
        let a: [UInt8] = [0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 1, 2, 3]
        #expect(throws: DNSWireError.invalidRecordData(type: 1, offset: 23)) { try DNSMessage(decoding: Self.message(an: 1, a)) }
    }

    @Test func refusesNamesOver255OctetsAndUnknownLabelTypes() {
        // Five 63-octet labels: 321 octets.
        let label: [UInt8] = [63] + [UInt8](repeating: 0x61, count: 63)
        let long: [UInt8] = Array([[UInt8]](repeating: label, count: 5).joined()) + [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.nameTooLong(offset: 12)) { try DNSMessage(decoding: Self.message(qd: 1, long)) }
        #expect(throws: DNSWireError.invalidLabelType(offset: 12)) { try DNSMessage(decoding: Self.message(qd: 1, [0x41, 0, 0, 1, 0, 1])) }
        #expect(throws: DNSWireError.messageTooLong(65536)) { try DNSMessage(decoding: [UInt8](repeating: 0, count: 65536)) }
    }

    @Test func aSignatureMustBeTheLastRecord() throws {
        let key = try TSIGKey(name: "k", algorithm: .hmacSHA256, base64Secret: "c2VjcmV0")
        let signed = TSIGSigner(key: key).sign(DNSMessage(header: DNSHeader(id: 1, opcode: .query)), at: 1_800_000_000)
        var message = try DNSMessage(decoding: signed.bytes)
        #expect(message.signature?.mac == signed.mac && message.signatureOffset == 12)
        message.additionals.append(DNSResourceRecord(name: .root, type: .a, ttl: 0, data: .a(try #require(IPAddress("10.0.0.1")))))
        #expect(throws: DNSWireError.misplacedSignature) { try DNSMessage(decoding: message.encoded()) }
    }

    @Test func parsesNamesAndServerAddresses() throws {
        #expect(try DNSName(parsing: "WWW.Example.test.") == (try DNSName(parsing: "www.example.test")))
        #expect(try DNSName(parsing: "*.example.test").description == "*.example.test.")
        #expect(throws: DNSNameSyntaxError.emptyLabel) { try DNSName(parsing: "a..b") }
        #expect(throws: DNSNameSyntaxError.invalidCharacter("a b")) { try DNSName(parsing: "a b.test") }
        #expect(throws: DNSNameSyntaxError.labelTooLong(64)) { try DNSName(parsing: String(repeating: "a", count: 64) + ".test") }
        #expect(try DNSServerAddress(parsing: "192.0.2.1").description == "192.0.2.1:53")
        #expect(try DNSServerAddress(parsing: "192.0.2.1:5353").port == 5353)
        #expect(try DNSServerAddress(parsing: "[2001:db8::1]:54").description == "[2001:db8::1]:54")
        #expect(try DNSServerAddress(parsing: "2001:db8::1").port == 53)
        for bad in ["ns1.example.test:53", "192.0.2.1:0", "192.0.2.1:99999", "[::1", ""] {
            #expect(throws: DNSUpdateError.invalidServerAddress(bad)) { try DNSServerAddress(parsing: bad) }
        }
        #expect(TSIGAlgorithm(name: "HMACSHA256") == .hmacSHA256)
        #expect(TSIGAlgorithm(name: "hmac-sha512.") == .hmacSHA512)
        #expect(TSIGAlgorithm(name: "hmac-md5") == nil)
        #expect(throws: TSIGKey.Failure.secretNotBase64) { try TSIGKey(name: "k", algorithm: .hmacSHA256, base64Secret: "not base64!") }
        let key = try TSIGKey(name: "k", algorithm: .hmacSHA256, base64Secret: "c2VjcmV0")
        #expect(!"\(key)".contains("c2VjcmV0"))
    }
}
