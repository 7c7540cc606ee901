import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing
import X509

/// ``CRLTrust`` on the `keyward-fuzz crl` seed corpus (OpenSSL-made CRLs of a seed CA, and a forger's CRLs under the
/// same name): only what the CA signed is trusted, numbers only grow, nothing traps.
@Suite struct CRLTrustRuleTests {
    struct Seed {
        var ca: Certificate
        var key: PrivateKey
        var stored: String?
        var published: String?
        var expiries: String?

        init(_ file: String) throws {
            let text = try String(contentsOf: ExternalTool.repositoryRoot.appendingPathComponent("fuzz/corpus/crl/\(file)"),
                                  encoding: .utf8)
            let sections = text.components(separatedBy: "\n--8<--\n")
            ca = try #require(try PEMBundle.certificates(from: try Self.block(sections[0], "CERTIFICATE")).first)
            key = try PrivateKey(pemEncoded: try Self.block(sections[0], "EC PRIVATE KEY"))
            func section(_ i: Int) -> String? { i < sections.count && !sections[i].isEmpty ? sections[i] : nil }
            stored = section(1)
            published = section(2)
            expiries = section(3)
        }

        static func block(_ text: String, _ type: String) throws -> String {
            let begin = try #require(text.range(of: "-----BEGIN \(type)-----"))
            let end = try #require(text.range(of: "-----END \(type)-----", range: begin.upperBound..<text.endIndex))
            return String(text[begin.lowerBound..<end.upperBound])
        }
    }

    @Test func aForgedConfigMapIsNeverTrusted() throws {
        let seed = try Seed("forged-configmap-max64-only.txt")
        let forged = try CertificateRevocationList(pemEncoded: try #require(seed.published))
        #expect(forged.issuer == seed.ca.subject && forged.crlNumber == CRLNumber(UInt64.max) && !forged.entries.isEmpty)
        let trust = CRLTrust(stored: nil, published: seed.published, ca: seed.ca)
        #expect(trust.crl == nil && trust.lastNumber == nil)
        #expect(try trust.nextNumber() == 1)
        #expect(trust.nextEntries(expiries: CRLExpiries(), adding: nil).entries.isEmpty)
    }

    @Test func theStoredCopyWinsOverTheConfigMap() throws {
        let seed = try Seed("stored-and-forged-configmap.txt")
        let trust = CRLTrust(stored: Data(try #require(seed.stored).utf8), published: seed.published, ca: seed.ca)
        let stored = try #require(trust.crl)
        #expect(trust.isStored && stored.isSigned(by: seed.ca) && stored.crlNumber == 1)
        #expect(try trust.nextNumber() == 2)

        // A CA-signed but older CRL replayed into the ConfigMap changes nothing while a stored copy exists.
        let replay = try Seed("max64-stored-replayed-configmap.txt")
        let replayed = CRLTrust(stored: Data(try #require(replay.stored).utf8), published: replay.published, ca: replay.ca)
        #expect(replayed.crl?.crlNumber == CRLNumber(UInt64.max))
        #expect(try replayed.nextNumber() == (try CRLNumber(UInt64.max).successor()))
        #expect(replayed.nextEntries(expiries: CRLExpiries(), adding: nil).entries.map(\.serialHex) == ["1234"])
        // The seed's annotation says serial 1234 expired in 2023, before the stored CRL was issued: it goes.
        #expect(replayed.nextEntries(expiries: CRLExpiries(annotation: replay.expiries), adding: nil).entries.isEmpty)
    }

    @Test func migrationTakesOverOnlyACASignedConfigMap() throws {
        let seed = try Seed("migration-from-configmap.txt")
        let trust = CRLTrust(stored: nil, published: seed.published, ca: seed.ca)
        #expect(trust.crl != nil && !trust.isStored && trust.lastNumber == 1)
    }

    @Test func theTwentiethOctetIsTheEndAndSigningPastItIsAnError() throws {
        let seed = try Seed("exhausted-20-octets.txt")
        let trust = CRLTrust(stored: Data(try #require(seed.stored).utf8), published: nil, ca: seed.ca)
        #expect(trust.lastNumber?.contentOctets.count == 20)
        #expect(throws: CRLError.self) { try trust.nextNumber() }
    }

    @Test func expiriesPruneOnlyAfterACRLIssuedPastTheCertificate() throws {
        let seed = try Seed("stored-and-forged-configmap.txt")
        let trust = CRLTrust(stored: Data(try #require(seed.stored).utf8), published: nil, ca: seed.ca)
        let crl = try #require(trust.crl)
        let entry = RevokedCertificate(serialNumber: Certificate.SerialNumber(bytes: [0x12, 0x34]), revocationDate: crl.thisUpdate)
        var expiries = CRLExpiries()
        expiries[entry] = crl.thisUpdate.addingTimeInterval(-1)
        var withEntry = trust
        withEntry.crl = try CertificateRevocationList(
            issuerCertificate: seed.ca, issuerKey: seed.key, thisUpdate: crl.thisUpdate,
            nextUpdate: crl.thisUpdate.addingTimeInterval(3600), crlNumber: 5, entries: [entry])
        #expect(withEntry.nextEntries(expiries: expiries, adding: nil).entries.isEmpty, "expired before the last CRL")
        expiries[entry] = crl.thisUpdate.addingTimeInterval(1)
        let kept = withEntry.nextEntries(expiries: expiries, adding: nil)
        #expect(kept.entries == [entry] && kept.expiries.annotation == "1234=\(Int(crl.thisUpdate.timeIntervalSince1970) + 1)")
        // Hostile annotations parse without trapping; unreadable pairs are skipped.
        #expect(CRLExpiries(annotation: "1234=9223372036854775807,zz=1,=,1234=-99999999999999,,ab=cd").annotation == nil)
    }
}
