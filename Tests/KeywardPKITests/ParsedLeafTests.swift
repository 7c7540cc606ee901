import Foundation
import KeywardPKI
import Testing

/// The parsed-leaf cache must never change what a read returns: the same text gives the same leaf, an edited text is
/// parsed afresh, and a broken one fails every time rather than being remembered.
@Suite struct ParsedLeafTests {
    @Test func readsTheLeafOfAChainAndAgreesWithAFreshInspection() throws {
        let issued = try Fixtures.intermediateIssuer.issue(template: Fixtures.serverTemplate("leaf.example.com"),
                                                           subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now)
        let first = try ParsedLeaf.read(issued.fullchainPEM)
        let again = try ParsedLeaf.read(issued.fullchainPEM)
        #expect(first.certificate == issued.certificate)
        #expect(first.info == (try CertificateInfo(issued.certificate)))
        #expect(again.info == first.info)
    }

    @Test func anEditedTextIsParsedAfreshAndBrokenTextFailsEveryTime() throws {
        let one = try Fixtures.rootIssuer.issue(template: Fixtures.serverTemplate("one.example.com"),
                                                subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now)
        let two = try Fixtures.rootIssuer.issue(template: Fixtures.serverTemplate("two.example.com"),
                                                subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now)
        #expect(try ParsedLeaf.read(one.fullchainPEM).info.dnsNames == ["one.example.com"])
        #expect(try ParsedLeaf.read(two.fullchainPEM).info.dnsNames == ["two.example.com"])
        let broken = String(one.fullchainPEM.dropLast(40))
        for _ in 0..<2 { #expect(throws: (any Error).self) { try ParsedLeaf.read(broken) } }
    }

    @Test func aRememberedLeafIsReturnedForItsText() throws {
        let issued = try Fixtures.rootIssuer.issue(template: Fixtures.serverTemplate("seeded.example.com"),
                                                   subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now)
        let info = try CertificateInfo(issued.certificate)
        ParsedLeaf.remember(issued.fullchainPEM, certificate: issued.certificate, info: info)
        #expect(try ParsedLeaf.read(issued.fullchainPEM).info == info)
    }
}
