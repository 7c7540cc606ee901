import ACME
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore

/// What makes an `acme` issuer Ready: its account exists at the server. The key comes from (or is generated into)
/// `privateKeySecretRef`; the account is looked up with onlyReturnExisting and registered only when there is none.
/// A key whose thumbprint differs from the one the registered account was made with is refused: a silently new
/// account would lose the old one's orders, rate-limit standing and revocation rights.
struct ACMEAccountRegistration {
    let store: any ResourceStore
    let options: ACMEOptions

    struct Outcome {
        var ready: Bool
        var reason: String
        var message: String
        /// Written to `status.acme` (kept as it was when nil).
        var account: IssuerStatus.ACME?
    }

    func assess(_ spec: IssuerSpec.ACME, previous: IssuerStatus.ACME?, secretNamespace: String) async throws -> Outcome {
        guard let server = URL(string: spec.server) else {
            return Outcome(ready: false, reason: IssuerReason.invalidSpec, message: "spec.acme.server: not a URL")
        }
        let key: ACMEAccountKey
        do {
            // A key is generated only for an issuer that never registered: a vanished Secret of a registered
            // account is reported, not replaced.
            let mayCreate = previous?.uri == nil || previous?.server != spec.server
            guard let loaded = try await ACMEAccountKeySecret.load(spec.privateKeySecretRef, namespace: secretNamespace,
                                                                    store: store, create: mayCreate)
            else {
                return Outcome(ready: false, reason: IssuerReason.accountKeyChanged,
                               message: "the account key Secret \(secretNamespace)/\(spec.privateKeySecretRef.name) of the registered account \(previous?.uri ?? "") is gone; restore it (a new key would be a new account)")
            }
            key = loaded
        } catch let problem as ACMEAccountKeySecret.Problem {
            return Outcome(ready: false, reason: IssuerReason.accountRegistrationFailed, message: problem.description)
        }
        let thumbprint = key.jwkThumbprint
        if let previous, previous.server == spec.server, let registered = previous.accountKeyThumbprint, registered != thumbprint {
            return Outcome(ready: false, reason: IssuerReason.accountKeyChanged,
                           message: "the key in Secret \(secretNamespace)/\(spec.privateKeySecretRef.name) (thumbprint \(thumbprint)) is not the key of the registered account \(previous.uri) (thumbprint \(registered)); restore that key, or point spec.acme.privateKeySecretRef at a new Secret name to register a new account")
        }
        var eab: ExternalAccountBinding?
        if let binding = spec.externalAccountBinding {
            do {
                let mac = try await ACMEAccountKeySecret.string(binding.keySecretRef, defaultKey: IssuerSpec.ACME.defaultEABKeyField,
                                                                namespace: secretNamespace, store: store)
                eab = try ExternalAccountBinding(keyID: binding.keyID, macKeyBase64URL: mac)
            } catch let problem as ACMEAccountKeySecret.Problem {
                return Outcome(ready: false, reason: IssuerReason.accountRegistrationFailed,
                               message: "externalAccountBinding: \(problem.description)")
            } catch {
                return Outcome(ready: false, reason: IssuerReason.accountRegistrationFailed,
                               message: "externalAccountBinding: the MAC key in Secret \(secretNamespace)/\(binding.keySecretRef.name) is not base64url")
            }
        }
        let client = await options.clients.client(server: server, caBundle: spec.caBundle, accountKey: key, accountURL: nil,
                                                  egress: options.egress)
        let email = spec.email.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let account: ACMEAccount
            do {
                account = try await client.findAccount()
            } catch let error where error.problem?.isAccountDoesNotExist == true {
                account = try await client.registerAccount(contact: email.map { ["mailto:\($0)"] } ?? [], termsOfServiceAgreed: true,
                                                           externalAccountBinding: eab)
            }
            guard account.status == .valid else {
                return Outcome(ready: false, reason: IssuerReason.accountRegistrationFailed,
                               message: "the ACME account \(account.url.absoluteString) is \(account.status.rawValue)")
            }
            let found = previous?.uri == account.url.absoluteString ? "" : (account.created ? "registered " : "found ")
            let status = IssuerStatus.ACME(uri: account.url.absoluteString,
                                           lastRegisteredEmail: account.created ? email : (previous?.lastRegisteredEmail ?? email),
                                           accountKeyThumbprint: thumbprint, server: spec.server)
            return Outcome(ready: true, reason: IssuerReason.accountRegistered,
                           message: "\(found)ACME account \(account.url.absoluteString) at \(spec.server)", account: status)
        } catch {
            return Outcome(ready: false, reason: Self.reason(for: error, eabGiven: eab != nil), message: Self.message(for: error, eabGiven: eab != nil))
        }
    }

    static func reason(for error: ACMEError, eabGiven: Bool) -> String {
        switch error {
        case .transport, .unexpectedResponse, .malformedResponse: IssuerReason.serverUnreachable
        default: IssuerReason.accountRegistrationFailed
        }
    }

    /// The server's problem verbatim, with a hint when it is about external account binding.
    static func message(for error: ACMEError, eabGiven: Bool) -> String {
        if error.problem?.isExternalAccountRequired == true, !eabGiven {
            return "the ACME server requires external account binding: set spec.acme.externalAccountBinding (\(ACMEServerText.bounded(error)))"
        }
        return ACMEServerText.bounded(error)
    }
}
