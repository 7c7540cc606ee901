@testable import ACME
import Crypto
import _CryptoExtras
import Foundation
import KeywardTestSupport
import Testing

/// The pure parts of the client: JWS, thumbprints, key authorizations, ARI IDs and windows, headers, problems.
@Suite("ACME protocol pieces")
struct ACMEProtocolTests {
    private func parts(_ jws: Data) throws -> (header: [String: Any], payload: Data, signingInput: Data, signature: [UInt8]) {
        let parsed = try JSONSerialization.jsonObject(with: jws) as? [String: String]
        let object = try #require(parsed)
        let protected = try #require(object["protected"]), payload = try #require(object["payload"])
        let signature = try #require(object["signature"])
        let headerBytes = try #require(Base64URL.decode(protected))
        let headerObject = try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any]
        let header = try #require(headerObject)
        let payloadBytes = try #require(Base64URL.decode(payload)), signatureBytes = try #require(Base64URL.decode(signature))
        return (header, Data(payloadBytes), Data("\(protected).\(payload)".utf8), signatureBytes)
    }

    @Test func es256JWSCarriesTheJWKForNewAccountAndTheKidOtherwiseAndVerifies() throws {
        let p256 = P256.Signing.PrivateKey()
        let key = try ACMEAccountKey(pemRepresentation: p256.pemRepresentation)
        let withJWK = try parts(try JWS.sign(payload: Data(#"{"a":1}"#.utf8), url: "https://ca.test/new-acct", nonce: "n1", signer: .jwk(key)))
        #expect(withJWK.header["alg"] as? String == "ES256" && withJWK.header["nonce"] as? String == "n1")
        #expect(withJWK.header["url"] as? String == "https://ca.test/new-acct" && withJWK.header["kid"] == nil)
        let jwk = try #require(withJWK.header["jwk"] as? [String: String])
        #expect(jwk["kty"] == "EC" && jwk["crv"] == "P-256")
        #expect(String(decoding: withJWK.payload, as: UTF8.self) == #"{"a":1}"#)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: withJWK.signature)
        #expect(p256.publicKey.isValidSignature(signature, for: withJWK.signingInput))

        let withKid = try parts(try JWS.sign(payload: nil, url: "https://ca.test/order/1", nonce: "n2",
                                             signer: .kid(key, accountURL: "https://ca.test/acct/7")))
        #expect(withKid.header["kid"] as? String == "https://ca.test/acct/7" && withKid.header["jwk"] == nil)
        #expect(withKid.payload.isEmpty, "POST-as-GET has an empty payload")
    }

    @Test func rs256JWSVerifiesWithPKCS1() throws {
        let key = try ACMEAccountKey.generateRSA()
        let jws = try parts(try JWS.sign(payload: Data("{}".utf8), url: "u", nonce: "n", signer: .jwk(key)))
        #expect(jws.header["alg"] as? String == "RS256")
        guard case .rsa(let rsa) = key.backing else { Issue.record("not RSA"); return }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: jws.signature)
        #expect(rsa.publicKey.isValidSignature(signature, for: jws.signingInput, padding: .insecurePKCS1v1_5))
        let jwk = try #require(jws.header["jwk"] as? [String: String])
        #expect(jwk["e"] == "AQAB" && jwk["kty"] == "RSA")
    }

    @Test func thumbprintAndKeyAuthorizationsFollowRFC7638AndRFC8555() throws {
        let p256 = P256.Signing.PrivateKey()
        let key = try ACMEAccountKey(pemRepresentation: p256.pemRepresentation)
        let point = Array(p256.publicKey.x963Representation)
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(Base64URL.encode(point[1..<33]))","y":"\#(Base64URL.encode(point[33...]))"}"#
        let thumbprint = Base64URL.encode(SHA256.hash(data: Data(canonical.utf8)))
        #expect(key.jwkThumbprint == thumbprint && thumbprint.count == 43)
        let keyAuthorization = ACMEKeyAuthorization.keyAuthorization(token: "tok-1", accountKey: key)
        #expect(keyAuthorization == "tok-1.\(thumbprint)")
        #expect(ACMEKeyAuthorization.dns01TXTValue(token: "tok-1", accountKey: key)
                == Base64URL.encode(SHA256.hash(data: Data(keyAuthorization.utf8))))
        #expect(ACMEKeyAuthorization.http01Path(token: "tok-1") == "/.well-known/acme-challenge/tok-1")
    }

    @Test func accountKeysRoundTripAndNeverShowTheirBytes() throws {
        let key = ACMEAccountKey.generateP256()
        let again = try ACMEAccountKey(pemRepresentation: key.pemRepresentation)
        #expect(again.jwkThumbprint == key.jwkThumbprint)
        let secret = key.pemRepresentation.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!"\(key)".contains(secret) && "\(key)".contains(key.jwkThumbprint))
        #expect(throws: ACMEError.self) { _ = try ACMEAccountKey(pemRepresentation: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        do {
            _ = try ACMEAccountKey(pemRepresentation: small.pemRepresentation)
            Issue.record("a 1024-bit RSA account key was accepted")
        } catch {
            // swift-crypto itself refuses to load it, or the size check does; either way no key text in the message.
            let body = small.pemRepresentation.split(separator: "\n")[1]
            #expect(!"\(error)".contains(body) && "\(error)".contains("account key"), "\(error)")
        }
    }

    @Test func ariCertIDMatchesRFC9773sExample() {
        // RFC 9773 §4.1: AKI 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 0x87654321.
        let aki: [UInt8] = [0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C,
                            0xDE, 0x01, 0xC8, 0xD4]
        #expect(ARICertID(authorityKeyIdentifier: aki, serialNumber: [0x87, 0x65, 0x43, 0x21]).string
                == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE")
        #expect(ARICertID(authorityKeyIdentifier: aki, serialNumber: [0x00, 0x87, 0x65, 0x43, 0x21]).string
                == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", "already in DER integer form")
    }

    @Test func retryAfterTakesSecondsAndHTTPDatesAndCapsBoth() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.parse("120", now: now) == now.addingTimeInterval(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == now)
        let date = try #require(RetryAfter.parse("Fri, 04 Dec 2026 16:20:19 GMT", now: Date(timeIntervalSince1970: 1_796_000_000)))
        #expect(date == Date(timeIntervalSince1970: 1_796_401_219))
        #expect(RetryAfter.parse("99999999999999999999999", now: now) == now.addingTimeInterval(RetryAfter.maximumDelay))
        #expect(RetryAfter.parse("Fri, 04 Dec 2099 16:20:19 GMT", now: now) == now.addingTimeInterval(RetryAfter.maximumDelay))
        #expect(RetryAfter.parse("-5", now: now) == nil && RetryAfter.parse("soon", now: now) == nil)
    }

    @Test func linkHeadersYieldEveryAlternate() throws {
        let base = try #require(URL(string: "https://ca.test/certZ/abc"))
        let value = #"<https://ca.test/dir>;rel="index", <https://ca.test/certZ/abc/1>;rel="alternate", </certZ/abc/2>; rel="alternate""#
        #expect(LinkHeader.urls(value, relation: "alternate", relativeTo: base).map(\.absoluteString)
                == ["https://ca.test/certZ/abc/1", "https://ca.test/certZ/abc/2"])
        #expect(LinkHeader.urls(value, relation: "index", relativeTo: base).map(\.absoluteString) == ["https://ca.test/dir"])
        #expect(LinkHeader.urls("garbage <", relation: "alternate", relativeTo: base).isEmpty)
    }

    @Test func problemDocumentsKeepTheCAsWordsAndSubproblems() throws {
        let body = #"""
        {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Error creating new order :: 2 names refused",
         "status":400,"subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids issuance",
         "identifier":{"type":"dns","value":"a.example.test"}},{"type":"urn:ietf:params:acme:error:dns","detail":"NXDOMAIN"}]}
        """#
        let problem = try JSONDecoder().decode(ACMEProblem.self, from: Data(body.utf8))
        #expect(problem.shortType == "rejectedIdentifier" && problem.subproblems.count == 2 && problem.status == 400)
        #expect("\(problem)" == "urn:ietf:params:acme:error:rejectedIdentifier: Error creating new order :: 2 names refused"
                + "; a.example.test: urn:ietf:params:acme:error:caa: CAA forbids issuance; urn:ietf:params:acme:error:dns: NXDOMAIN")
        let error = ACMEError.rateLimited(ACMEProblem(type: "urn:ietf:params:acme:error:rateLimited", detail: "too many"),
                                          url: "https://ca.test/new-order", retryAfter: Date(timeIntervalSince1970: 0))
        #expect("\(error)".contains("too many") && "\(error)".contains("1970-01-01") && error.isTransient)
    }

    @Test func theRenewalMomentIsUniformInsideTheWindowAndNowOncePast() {
        var generator = SplitMix64(seed: 42)
        let start = Date(timeIntervalSince1970: 1_800_000_000), end = start.addingTimeInterval(4 * 86_400)
        let info = ACMERenewalInfo(windowStart: start, windowEnd: end)
        var quarters = [0, 0, 0, 0]
        for _ in 0..<2_000 {
            let moment = info.renewalTime(now: start.addingTimeInterval(-86_400), using: &generator)
            #expect(moment >= start && moment <= end)
            quarters[min(3, Int(moment.timeIntervalSince(start) / 86_400))] += 1
        }
        #expect(quarters.allSatisfy { $0 > 400 }, "\(quarters)")
        let late = end.addingTimeInterval(60)
        #expect(info.renewalTime(now: late, using: &generator) == late, "a window already past means now")
        // Two runs with the same seed choose the same moment: the choice is a pure function of its inputs.
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        #expect(info.renewalTime(now: start, using: &a) == info.renewalTime(now: start, using: &b))
    }

    @Test func aCABundleReplacesTheSystemRootsUnlessAskedToAddToThem() throws {
        let url = try #require(URL(string: "https://ca.test/dir"))
        let private_ = Data("-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----\n".utf8)
        let system = try #require(ACMEClientConfiguration.systemBundlePaths.lazy.compactMap { FileManager.default.contents(atPath: $0) }.first)
        let added = try #require(ACMEClientConfiguration(directoryURL: url, caPEM: private_, alsoTrustSystemRoots: true).trustedPEM)
        #expect(added.starts(with: system) && added.suffix(private_.count) == private_)
        #expect(ACMEClientConfiguration(directoryURL: url, caPEM: private_).trustedPEM == private_)
        #expect(ACMEClientConfiguration(directoryURL: url).trustedPEM == nil, "no bundle: libcurl's system store")
    }

    @Test func noncePoolIsBoundedAndHandsOutTheFreshest() {
        var pool = NoncePool(capacity: 3)
        for n in ["a", "b", "c", "d", ""] { pool.add(n) }
        pool.add(nil)
        #expect(pool.nonces == ["b", "c", "d"])
        #expect(pool.take() == "d" && pool.take() == "c" && pool.take() == "b" && pool.take() == nil)
    }
}
