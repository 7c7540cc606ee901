import Foundation
import KubernetesClient

extension ACMEClient {
    private struct NewOrderPayload: Encodable {
        var identifiers: [ACMEIdentifier]
        var replaces: String?
        var profile: String?
    }

    /// newOrder (RFC 8555 §7.4). `replaces` is the ARI certificate ID of the certificate this renews (sent only
    /// when the directory has `renewalInfo`); `profile` is sent only when the directory lists profiles.
    public func newOrder(identifiers: [ACMEIdentifier], replaces: String? = nil,
                         profile: String? = nil) async throws(ACMEError) -> ACMEOrder {
        let directory = try await directory()
        let payload = NewOrderPayload(
            identifiers: identifiers,
            replaces: directory.renewalInfo == nil ? nil : replaces,
            profile: directory.meta.profiles.isEmpty ? nil : profile)
        let url = directory.newOrder
        let response = try await post(url, payload: try json(payload))
        guard response.status == 201 || response.status == 200 else { throw unexpected(response, url: url) }
        var order: ACMEOrder = try decode(response, url: url)
        order.url = try location(response, url: url)
        order.retryAfter = retryAfter(response)
        return order
    }

    /// The order at `url` (POST-as-GET): how a restarted controller picks an order up again.
    public func order(at url: URL) async throws(ACMEError) -> ACMEOrder {
        let response = try await post(url, payload: nil)
        guard response.status == 200 else { throw unexpected(response, url: url) }
        var order: ACMEOrder = try decode(response, url: url)
        order.url = url
        order.retryAfter = retryAfter(response)
        return order
    }

    public func authorization(at url: URL) async throws(ACMEError) -> ACMEAuthorization {
        let response = try await post(url, payload: nil)
        guard response.status == 200 else { throw unexpected(response, url: url) }
        var authorization: ACMEAuthorization = try decode(response, url: url)
        authorization.url = url
        authorization.retryAfter = retryAfter(response)
        return authorization
    }

    public func challenge(at url: URL) async throws(ACMEError) -> ACMEChallenge {
        try await challengeRequest(url, payload: nil)
    }

    /// Tells the server the challenge is ready to be validated (POST `{}`, RFC 8555 §7.5.1).
    public func respond(toChallengeAt url: URL) async throws(ACMEError) -> ACMEChallenge {
        try await challengeRequest(url, payload: Data("{}".utf8))
    }

    private func challengeRequest(_ url: URL, payload: Data?) async throws(ACMEError) -> ACMEChallenge {
        let response = try await post(url, payload: payload)
        guard response.status == 200 else { throw unexpected(response, url: url) }
        var challenge: ACMEChallenge = try decode(response, url: url)
        challenge.retryAfter = retryAfter(response)
        return challenge
    }

    /// finalize with a DER CSR (RFC 8555 §7.4) once the order is `ready`. The result is usually `processing`:
    /// poll ``order(at:)`` after its ``ACMEOrder/retryAfter`` until `valid`.
    public func finalize(order: ACMEOrder, csrDER: [UInt8]) async throws(ACMEError) -> ACMEOrder {
        try await finalize(finalizeURL: order.finalizeURL, orderURL: order.url, csrDER: csrDER)
    }

    public func finalize(finalizeURL: URL, orderURL: URL, csrDER: [UInt8]) async throws(ACMEError) -> ACMEOrder {
        let payload = Data(#"{"csr":"\#(Base64URL.encode(csrDER))"}"#.utf8)
        let response = try await post(finalizeURL, payload: payload)
        guard response.status == 200 else { throw unexpected(response, url: finalizeURL) }
        var order: ACMEOrder = try decode(response, url: finalizeURL)
        order.url = orderURL
        order.retryAfter = retryAfter(response)
        return order
    }

    /// Downloads the chain at `url` (POST-as-GET, `application/pem-certificate-chain`), with its alternates.
    public func downloadCertificate(at url: URL) async throws(ACMEError) -> ACMECertificateChain {
        let response = try await post(url, payload: nil, accept: "application/pem-certificate-chain")
        guard response.status == 200 else { throw unexpected(response, url: url) }
        let pem = String(decoding: response.body, as: UTF8.self)
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw .malformedResponse(url: url.absoluteString, detail: "the certificate download is not PEM")
        }
        return ACMECertificateChain(pem: pem, certificateURL: url,
                                    alternateURLs: LinkHeader.urls(response.header("Link"), relation: "alternate", relativeTo: url))
    }

    /// Downloads the chain whose top certificate's issuer common name is `preferredIssuerCN`, trying the default
    /// chain and then each alternate; the default chain when none matches (or no preference is given).
    public func downloadCertificate(at url: URL, preferredIssuerCN: String?) async throws(ACMEError) -> ACMECertificateChain {
        let chain = try await downloadCertificate(at: url)
        guard let preferredIssuerCN, chain.topIssuerCommonName != preferredIssuerCN else { return chain }
        for alternate in chain.alternateURLs.prefix(8) {
            let candidate = try await downloadCertificate(at: alternate)
            if candidate.topIssuerCommonName == preferredIssuerCN { return candidate }
        }
        return chain
    }
}
