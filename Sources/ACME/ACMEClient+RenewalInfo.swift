import Foundation
import KubernetesClient

extension ACMEClient {
    /// Whether the server offers ACME Renewal Information.
    public func supportsRenewalInfo() async throws(ACMEError) -> Bool { try await directory().renewalInfo != nil }

    /// The CA's suggested renewal window for a certificate (RFC 9773 §4.2, an unauthenticated GET), with the
    /// response's Retry-After. `nil` when the directory has no `renewalInfo`: the caller keeps its own schedule.
    public func renewalInfo(forCertificateDER der: [UInt8]) async throws(ACMEError) -> ACMERenewalInfo? {
        try await renewalInfo(for: try ARICertID(certificateDER: der))
    }

    public func renewalInfo(for certID: ARICertID) async throws(ACMEError) -> ACMERenewalInfo? {
        guard let base = try await directory().renewalInfo else { return nil }
        let url = base.appendingPathComponent(certID.string)
        let response = try await send(HTTPRequest(method: .get, url: url))
        guard response.status == 200 else {
            if let problem = problem(in: response) {
                if problem.isRateLimited || response.status == 429 {
                    throw .rateLimited(problem, url: url.absoluteString, retryAfter: retryAfter(response))
                }
                throw .problem(problem, url: url.absoluteString)
            }
            throw unexpected(response, url: url)
        }
        let wire: ACMERenewalInfo.Wire = try decode(response, url: url)
        guard wire.suggestedWindow.end > wire.suggestedWindow.start else {
            throw .malformedResponse(url: url.absoluteString, detail: "suggestedWindow ends before it starts")
        }
        return ACMERenewalInfo(windowStart: wire.suggestedWindow.start, windowEnd: wire.suggestedWindow.end,
                               explanationURL: wire.explanationURL, retryAfter: retryAfter(response))
    }
}
