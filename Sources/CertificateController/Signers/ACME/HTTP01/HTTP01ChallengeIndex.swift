import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// Token → key authorization for every HTTP-01 challenge a Certificate's pending ACME order presents
/// (`acme.http01.<token>` in `status.pendingRequest.state`), kept from the Certificate informer's events so the
/// challenge listener answers with one dictionary lookup and never an API read. Every replica keeps one: its
/// informer sees the leader's status writes.
public actor HTTP01ChallengeIndex: ACMEChallengeLookup {
    private var byToken: [String: String] = [:]
    private var tokensByCertificate: [ObjectKey: Set<String>] = [:]

    public init() {}

    /// Feed it every event of the Certificate informer.
    public func observe(_ event: InformerEvent<Certificate>) {
        switch event {
        case .deleted(let certificate): update(key(certificate), challenges: [:])
        case .added(let certificate), .resync(let certificate), .updated(_, let certificate):
            update(key(certificate), challenges: Self.challenges(of: certificate))
        }
    }

    public func keyAuthorization(forToken token: String) -> String? { byToken[token] }

    /// The HTTP-01 challenges one Certificate presents now.
    static func challenges(of certificate: Certificate) -> [String: String] {
        guard let state = certificate.status?.pendingRequest?.state else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in state where key.hasPrefix(ACMEPendingState.http01Prefix) {
            let token = String(key.dropFirst(ACMEPendingState.http01Prefix.count))
            if ACMEChallengeToken.isValid(token) { result[token] = value }
        }
        return result
    }

    private func key(_ certificate: Certificate) -> ObjectKey {
        ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name)
    }

    private func update(_ key: ObjectKey, challenges: [String: String]) {
        for token in tokensByCertificate[key] ?? [] where challenges[token] == nil { byToken[token] = nil }
        for (token, keyAuthorization) in challenges { byToken[token] = keyAuthorization }
        tokensByCertificate[key] = challenges.isEmpty ? nil : Set(challenges.keys)
    }
}
