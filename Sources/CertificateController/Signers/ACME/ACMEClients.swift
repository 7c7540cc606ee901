import ACME
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

    /// A cached ARI answer for `certID`, while its Retry-After (or the default recheck) has not passed.
    func cachedRenewalInfo(_ certID: String, now: Date) -> (info: ACMERenewalInfo?, until: Date)? {
        guard let entry = renewalInfo[certID], entry.until > now else { return nil }
        return entry
    }

    func storeRenewalInfo(_ info: ACMERenewalInfo?, certID: String, until: Date) {
        if renewalInfo.count >= capacity * 4 { renewalInfo.removeAll() }
        renewalInfo[certID] = (info, until)
    }
}
