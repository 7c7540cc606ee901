import ACME
import Crypto
import Foundation
import KeywardCore
import KeywardTestSupport
import SwiftASN1
import X509

/// The order flow a signer runs, driven to the end with bounded waits for the tests: order → HTTP-01 on every
/// pending authorization → finalize → poll → download. Each step goes by URL, as a resumed controller would.
struct ACMETestFlow {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let client: ACMEClient
    let responder: HTTP01TestResponder

    /// Loopback egress for tests: the default deny list with 127.0.0.0/8 allowed explicitly.
    static let loopbackEgress = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])

    static func configuration(_ pebble: PebbleServer) -> ACMEClientConfiguration {
        ACMEClientConfiguration(directoryURL: pebble.directoryURL, caPEM: pebble.tlsCertificatePEM, egress: loopbackEgress)
    }

    /// Registers a fresh P-256 account.
    static func account(_ pebble: PebbleServer) async throws -> ACMEClient {
        let client = ACMEClient(configuration: configuration(pebble), accountKey: .generateP256())
        _ = try await client.registerAccount(contact: ["mailto:ops@example.test"], termsOfServiceAgreed: true)
        return client
    }

    /// Presents and submits HTTP-01 for every authorization still pending; returns once each is valid or invalid.
    func solveAuthorizations(of order: ACMEOrder) async throws -> [ACMEAuthorization] {
        var results: [ACMEAuthorization] = []
        for url in order.authorizationURLs {
            var authorization = try await client.authorization(at: url)
            if authorization.status == .pending {
                guard let challenge = authorization.challenge(ofType: "http-01") else {
                    throw Failure(description: "no http-01 challenge for \(authorization.identifier)")
                }
                responder.set(token: challenge.token,
                              keyAuthorization: ACMEKeyAuthorization.keyAuthorization(token: challenge.token, accountKey: client.accountKey))
                if challenge.status == .pending { _ = try await client.respond(toChallengeAt: challenge.url) }
                var last = authorization
                let settled = try await within(60, every: .milliseconds(100)) {
                    last = try await client.authorization(at: url)
                    return last.status != .pending
                }
                guard settled else { throw Failure(description: "authorization \(url) still pending") }
                authorization = last
            }
            results.append(authorization)
        }
        return results
    }

    /// Polls the order at `url` until it leaves `pending`/`processing` (bounded).
    func settle(_ url: URL, leaving states: Set<ACMEOrder.Status>) async throws -> ACMEOrder {
        var order = try await client.order(at: url)
        let settled = try await within(60, every: .milliseconds(100)) {
            order = try await client.order(at: url)
            return !states.contains(order.status)
        }
        guard settled else { throw Failure(description: "order \(url) still \(order.status)") }
        return order
    }

    /// Finalizes a ready order with a CSR for `key` and downloads the chain once it is valid.
    func finish(_ ready: ACMEOrder, names: [String], key: P256.Signing.PrivateKey) async throws -> (ACMEOrder, ACMECertificateChain) {
        var order = ready
        if order.status == .ready {
            order = try await client.finalize(order: order, csrDER: try Self.csr(names: names, key: key))
        }
        if order.status == .processing { order = try await settle(order.url, leaving: [.processing]) }
        guard order.status == .valid, let certificateURL = order.certificateURL else {
            throw Failure(description: "order ended \(order.status): \(order.error.map(String.init(describing:)) ?? "-")")
        }
        return (order, try await client.downloadCertificate(at: certificateURL))
    }

    /// The whole flow for `names`.
    func issue(_ names: [String], key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) async throws -> (ACMEOrder, ACMECertificateChain) {
        let order = try await client.newOrder(identifiers: names.map(ACMEIdentifier.dns))
        _ = try await solveAuthorizations(of: order)
        let ready = try await settle(order.url, leaving: [.pending])
        return try await finish(ready, names: names, key: key)
    }

    /// A DER PKCS #10 request for `names` (the first also the common name).
    static func csr(names: [String], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let privateKey = Certificate.PrivateKey(key)
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(names.map { .dnsName($0) }) }
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(names[0]) }, privateKey: privateKey,
            attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
