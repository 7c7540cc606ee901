import Foundation
import KubernetesClient

extension ACMEClient {
    /// revokeCert (RFC 8555 §7.6) with an RFC 5280 reason code (nil: unspecified). Signed by the account (`kid`),
    /// or, when `certificateKey` is given, by the certificate's own key (`jwk`).
    public func revokeCertificate(der: [UInt8], reason: Int? = nil,
                                  certificateKey: ACMEAccountKey? = nil) async throws(ACMEError) {
        if let reason, !(0...10).contains(reason) || reason == 7 {
            throw .invalidCertificate(detail: "revocation reason \(reason) is not an RFC 5280 reason code")
        }
        let url = try await directory().revokeCert
        var payload = #"{"certificate":"\#(Base64URL.encode(der))""#
        if let reason { payload += #","reason":\#(reason)"# }
        payload += "}"
        let response = try await post(url, payload: Data(payload.utf8),
                                      as: certificateKey.map { .jwk($0) } ?? .account)
        guard response.status == 200 else { throw unexpected(response, url: url) }
    }
}
