import ACME
import Crypto
import Foundation
import KeywardCore

/// ACME clients by server, trusted CA bundle and account key, kept across reconciles so the directory and the nonce
/// pool are reused; and ARI answers until their Retry-After. Bounded: the least recently made entries go first.
public actor ACMEClients {
    private struct Key: Hashable {
        var server: String
        var caBundle: String?
        var thumbprint: String
    }

    private var clients: [Key: ACMEClient] = [:]
    private var order: [Key] = []
    private var renewalInfo: [String: (info: ACMERenewalInfo?, until: Date)] = [:]
    /// Challenges whose self-check passed, until when that counts: a pass spends its self-check budget on the
    /// others, so an order with many names makes progress instead of re-checking the first ones every pass.
    private var selfChecked: [String: Date] = [:]
    private let capacity: Int

    public init(capacity: Int = 256) { self.capacity = max(1, capacity) }

    func client(server: URL, caBundle: String?, accountKey: ACMEAccountKey, accountURL: URL?, egress: EgressPolicy) -> ACMEClient {
        let key = Key(server: server.absoluteString, caBundle: caBundle, thumbprint: accountKey.jwkThumbprint)
        if let client = clients[key] { return client }
        let configuration = ACMEClientConfiguration(directoryURL: server, caPEM: caBundle.map { Data($0.utf8) }, egress: egress)
        let client = ACMEClient(configuration: configuration, accountKey: accountKey, accountURL: accountURL)
        clients[key] = client
        order.append(key)
        if order.count > capacity { clients[order.removeFirst()] = nil }
        return client
    }

    func selfCheckPassed(_ challenge: String, now: Date) -> Bool {
        guard let until = selfChecked[challenge] else { return false }
        if until <= now { selfChecked[challenge] = nil }
        return until > now
    }

    func recordSelfCheckPassed(_ challenge: String, until: Date, now: Date) {
        if selfChecked.count >= capacity * 16 { selfChecked = selfChecked.filter { $0.value > now } }
        if selfChecked.count >= capacity * 16 { selfChecked.removeAll() }
        selfChecked[challenge] = until
    }

    /// A cached ARI answer for `certID` from the server `client` talks to, while its Retry-After (or the default
    /// recheck) has not passed.
    ///
    /// Keyed by server as well: a CertID is the issuer's key identifier and the serial, both public, so a tenant's
    /// own ACME server can issue a certificate with the CertID of another tenant's and answer for it with a window
    /// already past; that answer must not reach the other tenant's Certificate.
    func cachedRenewalInfo(_ certID: String, from client: ACMEClient, now: Date) -> (info: ACMERenewalInfo?, until: Date)? {
        guard let entry = renewalInfo[Self.renewalInfoKey(certID, client)], entry.until > now else { return nil }
        return entry
    }

    /// Full, the entries past their Retry-After go first, then the soonest to expire: one tenant's many answers
    /// do not flush everyone's at once.
    func storeRenewalInfo(_ info: ACMERenewalInfo?, certID: String, from client: ACMEClient, until: Date, now: Date) {
        let key = Self.renewalInfoKey(certID, client)
        if renewalInfo[key] == nil, renewalInfo.count >= capacity * 4 {
            renewalInfo = renewalInfo.filter { $0.value.until > now }
            if renewalInfo.count >= capacity * 4, let soonest = renewalInfo.min(by: { $0.value.until < $1.value.until }) {
                renewalInfo[soonest.key] = nil
            }
        }
        renewalInfo[key] = (info, until)
    }

    private static func renewalInfoKey(_ certID: String, _ client: ACMEClient) -> String {
        let trusted = client.configuration.caPEM.map { Data(SHA256.hash(data: $0)).base64EncodedString() } ?? ""
        return "\(client.configuration.directoryURL.absoluteString)\n\(trusted)\n\(certID)"
    }
}
