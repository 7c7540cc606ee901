import ACME
import Crypto
import Foundation
import KeywardCore
import KeywardTestSupport
import SwiftASN1
import Testing
import X509

/// The ACME client against a real Pebble 2.4 with its default 5% bad nonces and 50% authorization reuse.
@Suite("ACME client against Pebble", .serialized)
struct ACMEPebbleTests {
    @Test func registersAnAccountAndFindsItAgainWithOnlyReturnExisting() async throws {
        try await PebbleServer.with { pebble in
            let key = ACMEAccountKey.generateP256()
            let client = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: key)
            let account = try await client.registerAccount(contact: ["mailto:ops@example.test"], termsOfServiceAgreed: true)
            #expect(account.created && account.status == .valid && account.contact == ["mailto:ops@example.test"])
            #expect(await client.accountURL == account.url)

            // A restarted controller with only the key finds the same account and never creates another.
            let restarted = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: key)
            let found = try await restarted.findAccount()
            #expect(found.url == account.url && !found.created)
            let again = try await restarted.registerAccount(termsOfServiceAgreed: true)
            #expect(again.url == account.url && !again.created)

            // A key without an account: accountDoesNotExist, verbatim from the CA.
            let stranger = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: .generateP256())
            do {
                _ = try await stranger.findAccount()
                Issue.record("onlyReturnExisting created or found an account for an unknown key")
            } catch {
                #expect((error as? ACMEError)?.problem?.isAccountDoesNotExist == true, "\(error)")
                #expect(await stranger.accountURL == nil)
            }

            // RS256 accounts work too.
            let rsa = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: try .generateRSA())
            #expect(try await rsa.registerAccount(termsOfServiceAgreed: true).created)
        }
    }

    @Test func externalAccountBindingIsRequiredAndAcceptedWithTheRightKey() async throws {
        let macKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
        try await PebbleServer.with(.init(externalAccountBindingRequired: true,
                                          externalAccountMACKeys: ["kid-1": macKey])) { pebble in
            let client = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: .generateP256())
            #expect(try await client.directory().meta.externalAccountRequired)
            do {
                _ = try await client.registerAccount(termsOfServiceAgreed: true)
                Issue.record("Pebble accepted an account without EAB")
            } catch {
                #expect((error as? ACMEError)?.problem?.isExternalAccountRequired == true, "\(error)")
                #expect("\(error)".contains("externalAccountRequired"))
            }
            let wrong = try ExternalAccountBinding(keyID: "kid-1", macKeyBase64URL: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            await #expect(throws: ACMEError.self) {
                _ = try await client.registerAccount(termsOfServiceAgreed: true, externalAccountBinding: wrong)
            }
            let binding = try ExternalAccountBinding(keyID: "kid-1", macKeyBase64URL: macKey)
            #expect(!"\(binding)".contains(macKey), "the MAC key never shows in a description")
            let account = try await client.registerAccount(termsOfServiceAgreed: true, externalAccountBinding: binding)
            #expect(account.created && account.status == .valid)
        }
    }

    @Test func ordersTwoNamesThroughHTTP01AndTheChainVerifiesAgainstPebblesRoot() async throws {
        try await PebbleServer.with { pebble in
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            defer { responder.stop() }
            let flow = ACMETestFlow(client: try await ACMETestFlow.account(pebble), responder: responder)
            let names = ["web.demo.example.test", "api.demo.example.test"]
            let (order, chain) = try await flow.issue(names)
            #expect(order.status == .valid && Set(order.identifiers.map(\.value)) == Set(names))
            #expect(pebble.ordersCreated == 1)
            #expect(chain.certificatePEMs.count >= 2, "leaf and intermediate")

            let scratch = try TemporaryDirectory()
            let root = try scratch.write("root.pem", try await pebble.rootPEM())
            let leaf = try scratch.write("leaf.pem", chain.leafPEM ?? "")
            let untrusted = try scratch.write("chain.pem", chain.issuerChainPEM)
            let verified = try await ExternalTool.openssl("verify", "-CAfile", root, "-untrusted", untrusted, leaf)
            #expect(verified.status == 0 && verified.stdout.contains("OK"), "\(verified)")
            let text = try await ExternalTool.openssl("x509", "-in", leaf, "-noout", "-ext", "subjectAltName")
            #expect(names.allSatisfy { text.stdout.contains("DNS:\($0)") }, "\(text)")
        }
    }

    @Test func aNewClientResumesTheSameOrderFromPersistedURLs() async throws {
        try await PebbleServer.with { pebble in
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            defer { responder.stop() }
            let key = ACMEAccountKey.generateP256()
            let first = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: key)
            let account = try await first.registerAccount(termsOfServiceAgreed: true)
            let names = ["resume.example.test"]
            let created = try await first.newOrder(identifiers: names.map(ACMEIdentifier.dns))
            // What a controller persists: the account URL and the order URL. The first client is gone from here on.
            let persistedAccount = account.url.absoluteString, persistedOrder = created.url.absoluteString

            let restarted = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: key,
                                       accountURL: URL(string: persistedAccount))
            let flow = ACMETestFlow(client: restarted, responder: responder)
            let resumed = try await restarted.order(at: URL(string: persistedOrder)!)
            #expect(resumed.url == created.url && resumed.authorizationURLs == created.authorizationURLs)
            _ = try await flow.solveAuthorizations(of: resumed)
            let ready = try await flow.settle(resumed.url, leaving: [.pending])
            // And once more after finalize: a third client picks up the processing/valid order by URL.
            let key2 = P256.Signing.PrivateKey()
            let finalized = try await restarted.finalize(order: ready, csrDER: try ACMETestFlow.csr(names: names, key: key2))
            let third = ACMETestFlow(client: ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: key,
                                                         accountURL: URL(string: persistedAccount)), responder: responder)
            let (order, chain) = try await third.finish(try await third.client.order(at: finalized.url), names: names, key: key2)
            #expect(order.status == .valid && chain.leafPEM != nil)
            #expect(pebble.ordersCreated == 1, "resuming never creates a second order")
        }
    }

    @Test func aChallengeNobodyAnswersGivesTheCAsProblemDetail() async throws {
        try await PebbleServer.with(.init(authorizationReusePercent: 0)) { pebble in
            // Nothing listens on Pebble's httpPort: the connection is refused and Pebble marks the challenge invalid.
            let client = try await ACMETestFlow.account(pebble)
            let order = try await client.newOrder(identifiers: [.dns("nobody-serves.example.test")])
            let authorization = try await client.authorization(at: order.authorizationURLs[0])
            let challenge = try #require(authorization.challenge(ofType: "http-01"))
            _ = try await client.respond(toChallengeAt: challenge.url)
            var failed = authorization
            #expect(try await within(60, every: .milliseconds(100)) {
                failed = try await client.authorization(at: authorization.url)
                return failed.status != .pending
            })
            #expect(failed.status == .invalid)
            let problem = try #require(failed.failure)
            #expect(problem.type == "urn:ietf:params:acme:error:connection", "\(problem)")
            #expect(problem.detail?.isEmpty == false)
            #expect("\(problem)".contains(problem.detail ?? "?"), "the description carries the CA's detail verbatim")
            let invalid = try await client.order(at: order.url)
            #expect(invalid.status == .invalid)
            #expect(pebble.ordersCreated == 1)
        }
    }

    @Test func revokeCertShowsRevokedInPebblesManagementInterface() async throws {
        try await PebbleServer.with { pebble in
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            defer { responder.stop() }
            let flow = ACMETestFlow(client: try await ACMETestFlow.account(pebble), responder: responder)
            let (_, chain) = try await flow.issue(["revoke.example.test"])
            let leafPEM = try #require(chain.leafPEM)
            let leaf = try Certificate(pemEncoded: leafPEM)
            let serialHex = leaf.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
                .replacingOccurrences(of: "^0+", with: "", options: .regularExpression)
            #expect(try await pebble.certificateStatus(serialHex: serialHex).contains(#""Status": "Valid""#))

            var serializer = DER.Serializer()
            try serializer.serialize(leaf)
            try await flow.client.revokeCertificate(der: serializer.serializedBytes, reason: 4)  // superseded
            let status = try await pebble.certificateStatus(serialHex: serialHex)
            #expect(status.contains(#""Status": "Revoked""#), "\(status)")
            // Revocation signed by the certificate's own key (jwk), as whoever holds a compromised key may do.
            let certificateKey = P256.Signing.PrivateKey()
            let (_, second) = try await flow.issue(["compromised.example.test"], key: certificateKey)
            let secondPEM = try #require(second.leafPEM)
            let secondLeaf = try Certificate(pemEncoded: secondPEM)
            let secondSerial = secondLeaf.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
                .replacingOccurrences(of: "^0+", with: "", options: .regularExpression)
            let stranger = ACMEClient(configuration: ACMETestFlow.configuration(pebble), accountKey: .generateP256())
            try await stranger.revokeCertificate(der: try PEMDocument(pemString: secondPEM).derBytes, reason: 1,
                                                 certificateKey: try ACMEAccountKey(pemRepresentation: certificateKey.pemRepresentation))
            #expect(try await pebble.certificateStatus(serialHex: secondSerial).contains(#""Status": "Revoked""#))

            // Revoking twice: the CA's alreadyRevoked problem, typed.
            do {
                try await flow.client.revokeCertificate(der: serializer.serializedBytes, reason: 4)
                Issue.record("a second revocation succeeded")
            } catch {
                #expect((error as? ACMEError)?.problem?.shortType == "alreadyRevoked", "\(error)")
            }
        }
    }

    @Test func manyRequestsPassDespiteBadNonces() async throws {
        // Pebble's default 5%: a hundred signed requests, none fails.
        try await PebbleServer.with { pebble in
            let client = try await ACMETestFlow.account(pebble)
            let order = try await client.newOrder(identifiers: [.dns("nonces.example.test")])
            for _ in 0..<100 { #expect(try await client.order(at: order.url).status == .pending) }

            // At 50% the retry path runs for sure, and still nothing fails.
            try await PebbleServer.with(.init(nonceRejectPercent: 50)) { noisy in
                let noisyClient = try await ACMETestFlow.account(noisy)
                let noisyOrder = try await noisyClient.newOrder(identifiers: [.dns("nonces.example.test")])
                for _ in 0..<30 { #expect(try await noisyClient.order(at: noisyOrder.url).status == .pending) }
                #expect(await noisyClient.badNonceRetries > 0)
                #expect(noisy.ordersCreated == 1, "a badNonce retry of newOrder never makes two orders")
            }
        }
    }

    @Test func alternateChainsAreOfferedAndThePreferredOneIsChosenByTopIssuerCN() async throws {
        try await PebbleServer.with(.init(alternateRoots: 1)) { pebble in
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            defer { responder.stop() }
            let flow = ACMETestFlow(client: try await ACMETestFlow.account(pebble), responder: responder)
            let (order, chain) = try await flow.issue(["chains.example.test"])
            #expect(chain.alternateURLs.count == 1)
            let alternateRoot = try Certificate(pemEncoded: try await pebble.rootPEM(1))
            let alternateCN = try #require(alternateRoot.subject.commonNameForTest)
            #expect(chain.topIssuerCommonName != alternateCN)
            let preferred = try await flow.client.downloadCertificate(at: try #require(order.certificateURL),
                                                                      preferredIssuerCN: alternateCN)
            #expect(preferred.topIssuerCommonName == alternateCN)
            #expect(preferred.leafPEM == chain.leafPEM, "the same leaf under another chain")
            let fallback = try await flow.client.downloadCertificate(at: try #require(order.certificateURL),
                                                                     preferredIssuerCN: "No Such Root")
            #expect(fallback.pem == chain.pem, "no match: the default chain")
        }
    }

    @Test func pebbleHasNoRenewalInfoAndTheClientSaysSo() async throws {
        try await PebbleServer.with { pebble in
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            defer { responder.stop() }
            let flow = ACMETestFlow(client: try await ACMETestFlow.account(pebble), responder: responder)
            let (_, chain) = try await flow.issue(["ari.example.test"])
            #expect(try await !flow.client.supportsRenewalInfo())
            let leafPEM = try #require(chain.leafPEM)
            let der = try PEMDocument(pemString: leafPEM).derBytes
            #expect(try await flow.client.renewalInfo(forCertificateDER: der) == nil)
            // `replaces` is dropped for a server without ARI, and the order goes through.
            let certID = try ARICertID(certificateDER: der)
            let next = try await flow.client.newOrder(identifiers: [.dns("ari.example.test")], replaces: certID.string,
                                                      profile: "shortlived")
            #expect(next.replaces == nil && next.profile == nil)
        }
    }
}

extension DistinguishedName {
    var commonNameForTest: String? {
        for rdn in self { for attribute in rdn where attribute.type == .RDNAttributeType.commonName { return String(attribute.value) } }
        return nil
    }
}
