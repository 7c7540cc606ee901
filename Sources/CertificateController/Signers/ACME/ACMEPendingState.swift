import Foundation

/// The ACME signer's part of `status.pendingRequest.state`: every URL of the order it placed, so any pass of any
/// controller (after a restart too) continues the same order instead of placing another. Nothing here is secret:
/// URLs, tokens and key authorizations are public by design (the CA serves them to anyone). The account key and the
/// certificate's key are never here.
///
/// Keys (all strings):
/// - `acme.order`, `acme.finalize`, `acme.certificate` (once the order is valid), `acme.account`;
/// - `acme.authz.<i>` the i-th authorization's URL (i from 0), with `acme.authz.<i>.name` (the Certificate's name,
///   `*.` kept for a wildcard), `.challenge` (the selected challenge's URL), `.type` (`http-01`/`dns-01`), `.token`,
///   `.keyAuthorization`, `.solver` (index into `spec.acme.solvers`), `.status` (``ChallengeStep``) and
///   `.selfCheckSince` (Unix seconds of the first self-check);
/// - `acme.http01.<token>` = key authorization, for every HTTP-01 challenge presented and not yet cleaned up: the
///   controller's challenge listener answers `GET /.well-known/acme-challenge/<token>` from this entry of a
///   Certificate in its informer cache (``http01KeyAuthorization(token:in:)``);
/// - `acme.replaces` the ARI certificate identifier the order replaces.
public struct ACMEPendingState: Sendable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public static let http01Prefix = "acme.http01."

    /// The key authorization a Certificate's pending ACME order serves for `token` over HTTP-01, if any.
    public static func http01KeyAuthorization(token: String, in state: [String: String]) -> String? {
        state[http01Prefix + token]
    }

    /// Where one authorization is in its life.
    public enum ChallengeStep: String, Sendable {
        /// Solver asked to present; the self-check has not passed yet.
        case presented
        /// The CA was asked to validate.
        case submitted
        /// The authorization was already valid (reused) or became valid.
        case valid
        /// The CA marked it invalid.
        case invalid
    }

    /// One authorization's record.
    public struct Authorization: Sendable, Hashable {
        public var url: String
        public var dnsName: String
        public var challengeURL: String
        public var type: ACMEChallengeType
        public var token: String
        public var keyAuthorization: String
        public var solverIndex: Int
        public var step: ChallengeStep
        public var selfCheckSince: Date?

        public var task: ACMEChallengeTask {
            ACMEChallengeTask(dnsName: dnsName, type: type, url: challengeURL, token: token,
                              keyAuthorization: keyAuthorization, solverIndex: solverIndex)
        }
    }

    public var order: String? {
        get { values["acme.order"] }
        set { values["acme.order"] = newValue }
    }
    public var finalize: String? {
        get { values["acme.finalize"] }
        set { values["acme.finalize"] = newValue }
    }
    public var certificate: String? {
        get { values["acme.certificate"] }
        set { values["acme.certificate"] = newValue }
    }
    public var account: String? {
        get { values["acme.account"] }
        set { values["acme.account"] = newValue }
    }
    public var replaces: String? {
        get { values["acme.replaces"] }
        set { values["acme.replaces"] = newValue }
    }

    public var authorizations: [Authorization] {
        get {
            var result: [Authorization] = []
            // Bounded by the entries present (one per name of the order).
            var i = 0
            while let url = values["acme.authz.\(i)"], i < 1000 {
                let p = "acme.authz.\(i)."
                result.append(Authorization(
                    url: url, dnsName: values[p + "name"] ?? "", challengeURL: values[p + "challenge"] ?? "",
                    type: ACMEChallengeType(rawValue: values[p + "type"] ?? "") ?? .http01, token: values[p + "token"] ?? "",
                    keyAuthorization: values[p + "keyAuthorization"] ?? "", solverIndex: Int(values[p + "solver"] ?? "") ?? 0,
                    step: ChallengeStep(rawValue: values[p + "status"] ?? "") ?? .presented,
                    selfCheckSince: values[p + "selfCheckSince"].flatMap(Double.init).map(Date.init(timeIntervalSince1970:))))
                i += 1
            }
            return result
        }
        set {
            values = values.filter { !$0.key.hasPrefix("acme.authz.") && !$0.key.hasPrefix(Self.http01Prefix) }
            for (i, a) in newValue.enumerated() {
                let p = "acme.authz.\(i)."
                values["acme.authz.\(i)"] = a.url
                values[p + "name"] = a.dnsName
                values[p + "status"] = a.step.rawValue
                guard a.step != .valid || !a.token.isEmpty else { continue }  // reused: no challenge of ours
                values[p + "challenge"] = a.challengeURL
                values[p + "type"] = a.type.rawValue
                values[p + "token"] = a.token
                values[p + "keyAuthorization"] = a.keyAuthorization
                values[p + "solver"] = String(a.solverIndex)
                if let since = a.selfCheckSince { values[p + "selfCheckSince"] = String(Int(since.timeIntervalSince1970)) }
                if a.type == .http01, a.step == .presented || a.step == .submitted {
                    values[Self.http01Prefix + a.token] = a.keyAuthorization
                }
            }
        }
    }
}
