import ACME
import Foundation
import KeywardPKI
import KeywardTestSupport

/// The bench's own minimal ACME flow: the fewest requests one certificate takes with the ACME client — newOrder,
/// each authorization, the HTTP-01 response (answered by a loopback responder), polls until valid, finalize, poll,
/// download. No Kubernetes, no Secrets, no reconciler: the protocol floor any ACME issuer path is compared with.
struct ACMEBareFlow: Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let client: ACMEClient
    let responder: HTTP01TestResponder
    /// How long to wait between polls when the server sends no Retry-After.
    var pollInterval: Duration = .milliseconds(50)

    /// One certificate for `names`, start to finish; returns the chain PEM.
    func issue(_ names: [String]) async throws -> String {
        let order = try await client.newOrder(identifiers: names.map(ACMEIdentifier.dns))
        for url in order.authorizationURLs {
            let authorization = try await client.authorization(at: url)
            guard authorization.status == .pending else { continue }
            guard let challenge = authorization.challenge(ofType: "http-01") else {
                throw Failure(description: "no http-01 challenge for \(authorization.identifier)")
            }
            responder.set(token: challenge.token,
                          keyAuthorization: ACMEKeyAuthorization.keyAuthorization(token: challenge.token, accountKey: client.accountKey))
            defer { responder.remove(token: challenge.token) }
            _ = try await client.respond(toChallengeAt: challenge.url)
            let settled = try await pollAuthorization(url)
            guard settled.status == .valid else {
                throw Failure(description: "authorization \(authorization.identifier) \(settled.status): \(settled.failure.map { "\($0)" } ?? "-")")
            }
        }
        var current = try await pollOrder(order.url, while: [.pending])
        let key = try PrivateKey.generate(.ecdsaP256)
        let csr = try key.certificateSigningRequestDER(for: CertificateTemplate(commonName: names[0], dnsNames: names))
        current = try await client.finalize(order: current, csrDER: csr)
        if current.status == .processing { current = try await pollOrder(order.url, while: [.processing]) }
        guard current.status == .valid, let certificateURL = current.certificateURL else {
            throw Failure(description: "order \(current.status): \(current.error.map { "\($0)" } ?? "-")")
        }
        return try await client.downloadCertificate(at: certificateURL).pem
    }

    private func pollOrder(_ url: URL, while states: Set<ACMEOrder.Status>) async throws -> ACMEOrder {
        var order = try await client.order(at: url)
        var attempts = 0
        while states.contains(order.status) {
            attempts += 1
            guard attempts <= 600 else { throw Failure(description: "order \(url) stuck \(order.status)") }
            try await wait(until: order.retryAfter)
            order = try await client.order(at: url)
        }
        return order
    }

    private func pollAuthorization(_ url: URL) async throws -> ACMEAuthorization {
        var authorization = try await client.authorization(at: url)
        var attempts = 0
        while authorization.status == .pending {
            attempts += 1
            guard attempts <= 600 else { throw Failure(description: "authorization \(url) stayed pending") }
            try await wait(until: authorization.retryAfter)
            authorization = try await client.authorization(at: url)
        }
        return authorization
    }

    /// Honours the server's Retry-After (capped at 2 s: Pebble sends none), else the poll interval.
    private func wait(until retryAfter: Date?) async throws {
        if let retryAfter, retryAfter.timeIntervalSinceNow > 0 {
            try await Task.sleep(for: .seconds(min(2, retryAfter.timeIntervalSinceNow)))
        } else {
            try await Task.sleep(for: pollInterval)
        }
    }
}
