import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing

/// CRL numbers of any width up to RFC 5280's 20 octets: no overflow, no trap, and what OpenSSL reads back.
@Suite struct CRLNumberTests {
    @Test func successorCarriesAcrossEveryByteWidth() throws {
        #expect(try CRLNumber.zero.successor() == 1)
        #expect(try CRLNumber(255).successor() == 256)
        let max64 = CRLNumber(UInt64.max)
        let next = try max64.successor()
        #expect(next.magnitude == [1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(next.description == "18446744073709551616")
        #expect(next > max64 && max64 > CRLNumber(UInt64.max - 1))
        #expect(CRLNumber(UInt64.max).contentOctets.first == 0, "a set top bit gets its 0x00 sign octet")
        #expect(CRLNumber.zero.description == "0" && CRLNumber(1234567890).description == "1234567890")
    }

    @Test func twentyOctetsIsTheLimitAndExhaustionIsAnErrorNotATrap() throws {
        // 19 octets of 0xFF plus the sign octet: the largest number RFC 5280 allows.
        let largest = try CRLNumber(magnitude: [0x7F] + Array(repeating: 0xFF, count: 19))
        #expect(largest.contentOctets.count == 20)
        #expect(throws: CRLError.self) { try largest.successor() }
        #expect(throws: CRLError.self) { try CRLNumber(magnitude: [0x80] + Array(repeating: 0, count: 19)) }
        #expect(try CRLNumber(magnitude: [0, 0, 0, 5]) == 5, "leading zeros are not width")
    }

    @Test func aCRLNumberPast64BitsRoundTripsAndOpenSSLReadsIt() async throws {
        let number = try CRLNumber(UInt64.max).successor()
        let crl = try CertificateRevocationList(
            issuerCertificate: Fixtures.intermediate.certificate, issuerKey: Fixtures.intermediateKey,
            thisUpdate: Date(), nextUpdate: Date().addingTimeInterval(3600), crlNumber: number, entries: [])
        #expect(try CertificateRevocationList(derEncoded: crl.derEncoded).crlNumber == number)
        let dir = try TemporaryDirectory()
        let file = try dir.write("crl.pem", crl.pemEncoded)
        let text = try await ExternalTool.openssl("crl", "-in", file, "-noout", "-crlnumber")
        #expect(text.stdout.uppercased().contains("010000000000000000"), "\(text)")
        let lint = try await ExternalTool.pkilintErrors("lint_crl", ["-t", "CRL", "-p", "PKIX"], file: file)
        #expect(lint == "", "\(lint)")
    }
}
