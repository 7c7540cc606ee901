import Foundation
import KubernetesClient

extension ACMEClient {
    /// newAccount (RFC 8555 §7.3), signed with the account key's JWK. An existing account for this key is returned
    /// as well (`created` false). Sets ``accountURL``: persist it.
    public func registerAccount(contact: [String] = [], termsOfServiceAgreed: Bool,
                                externalAccountBinding: ExternalAccountBinding? = nil) async throws(ACMEError) -> ACMEAccount {
        let url = try await directory().newAccount
        var members: [String] = []
        if !contact.isEmpty { members.append(#""contact":[\#(contact.map(JWS.quoted).joined(separator: ","))]"#) }
        if termsOfServiceAgreed { members.append(#""termsOfServiceAgreed":true"#) }
        if let externalAccountBinding {
            let binding = try JWS.externalAccountBinding(externalAccountBinding, accountKey: accountKey, url: url.absoluteString)
            members.append(#""externalAccountBinding":\#(String(decoding: binding, as: UTF8.self))"#)
        }
        return try await newAccount(url: url, payload: "{" + members.joined(separator: ",") + "}")
    }

    /// newAccount with `onlyReturnExisting` (RFC 8555 §7.3.1): the account of this key, never a new one. A key
    /// without an account is ``ACMEError/problem(_:url:)`` with ``ACMEProblem/isAccountDoesNotExist``.
    public func findAccount() async throws(ACMEError) -> ACMEAccount {
        try await newAccount(url: try await directory().newAccount, payload: #"{"onlyReturnExisting":true}"#)
    }

    /// Uses a persisted account URL instead of looking it up.
    public func setAccountURL(_ url: URL) { accountURL = url }

    private func newAccount(url: URL, payload: String) async throws(ACMEError) -> ACMEAccount {
        let response = try await post(url, payload: Data(payload.utf8), as: .jwk(accountKey))
        guard response.status == 200 || response.status == 201 else { throw unexpected(response, url: url) }
        let accountURL = try location(response, url: url)
        let wire: ACMEAccount.Wire = try decode(response, url: url)
        self.accountURL = accountURL
        return ACMEAccount(url: accountURL, status: wire.status, contact: wire.contact ?? [], created: response.status == 201)
    }
}
