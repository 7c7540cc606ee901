import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore

/// Proves control of one name for one ACME challenge: HTTP-01 (an Ingress/HTTPRoute to the controller's listener,
/// Keyward's own listener, a webroot file) or DNS-01 (an RFC 2136 TXT record). The ACME signer picks the solver per
/// name (``ACMESolverSelection``), then, over as many reconcile passes as it takes:
/// ``present(_:context:)`` → ``selfCheck(_:context:)`` until `.ready` → the CA is told to validate → once the
/// authorization is final (valid or invalid) or the order is abandoned, ``cleanup(_:context:)``.
///
/// Every method is idempotent and resumable: a restarted controller calls them again for the same challenge with
/// the same values (everything the signer knows is in `status.pendingRequest.state`), so a solver keeps no
/// in-memory state it needs later and derives what it creates from ``ACMEChallengeTask`` alone (deterministic
/// names). `cleanup` runs also when `present` never did or failed halfway, and for an already-removed record.
public protocol ACMEChallengeSolver: Sendable {
    /// The challenge type this solver answers.
    var challengeType: ACMEChallengeType { get }
    /// Makes the challenge answerable (creates or patches the route, writes the record or file). Throws
    /// ``ACMESolverError`` when it cannot (the message reaches the Certificate's condition).
    func present(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws
    /// Whether the CA would see the answer now (an HTTP GET through the name, a TXT query at every authoritative
    /// nameserver). Bounded: one attempt per call, no waiting loop; the signer calls again on a later pass and gives
    /// up after its own deadline with the last `.notReady` message in the condition.
    func selfCheck(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async -> ACMESelfCheck
    /// Removes what ``present(_:context:)`` made; nothing there is fine.
    func cleanup(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws
}

/// RFC 8555 challenge types Keyward solves.
public enum ACMEChallengeType: String, Sendable, Hashable, Codable, CaseIterable {
    case http01 = "http-01"
    case dns01 = "dns-01"
}

/// The outcome of one self-check attempt.
public enum ACMESelfCheck: Sendable, Hashable {
    case ready
    /// Not visible yet, in words for the condition (what is awaited, e.g. "TXT at ns2.example.net", "HTTP 404 from
    /// http://a.example/.well-known/acme-challenge/…").
    case notReady(String)
}

/// A solver that cannot do its part, in words for the Certificate's condition (no secrets: a TSIG key or a path
/// outside the webroot is never quoted).
public struct ACMESolverError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// False when only a spec or Secret change can help (no such Ingress, a refused TSIG key).
    public var isRetryable: Bool

    public init(_ message: String, isRetryable: Bool = true) {
        self.message = message
        self.isRetryable = isRetryable
    }

    public var description: String { message }
}

/// One challenge of one authorization, as the solver needs it. All of it is public by design (tokens and key
/// authorizations are what the CA fetches), and all of it is in the pending state, so it is the same after a restart.
public struct ACMEChallengeTask: Sendable, Hashable {
    /// The authorization's identifier as the Certificate names it: `a.example.com`, or `*.example.com` for a
    /// wildcard (whose authorization identifier is `example.com` with `wildcard: true`).
    public var dnsName: String
    public var type: ACMEChallengeType
    /// The challenge URL at the CA (a stable identity for the challenge).
    public var url: String
    public var token: String
    /// `token.thumbprint`: the HTTP-01 response body.
    public var keyAuthorization: String
    /// Which `solvers[]` entry was selected (index into the issuer's spec) and the entry itself.
    public var solverIndex: Int

    public init(dnsName: String, type: ACMEChallengeType, url: String, token: String, keyAuthorization: String,
                solverIndex: Int) {
        self.dnsName = dnsName
        self.type = type
        self.url = url
        self.token = token
        self.keyAuthorization = keyAuthorization
        self.solverIndex = solverIndex
    }

    /// The name the authorization is for: `dnsName` without a leading `*.`.
    public var domain: String { dnsName.hasPrefix("*.") ? String(dnsName.dropFirst(2)) : dnsName }
    public var isWildcard: Bool { dnsName.hasPrefix("*.") }
    /// HTTP-01: the path the CA fetches.
    public var http01Path: String { "/.well-known/acme-challenge/\(token)" }
    /// DNS-01: the owner name of the TXT record (no trailing dot).
    public var dns01RecordName: String { "_acme-challenge.\(domain)" }
    /// DNS-01: the TXT value, base64url(SHA-256(keyAuthorization)) without padding.
    public var dns01RecordValue: String { ACMEKeyAuthorizationDigest.base64URLSHA256(keyAuthorization) }
}

/// What a solver may use besides the challenge: where the Certificate is, which issuer and solver entry asked, the
/// store (for Ingresses, HTTPRoutes and the solver's Secrets) and the egress policy for self-checks.
public struct ACMESolverContext: Sendable {
    /// The Certificate whose order this is: resources the solver creates live in its namespace and are owned by it
    /// (`ownerReferences` with its uid when known) so they go with it.
    public var certificateNamespace: String?
    public var certificateName: String
    public var certificateUID: String?
    /// `Issuer/NAME` or `ClusterIssuer/NAME`.
    public var issuerDisplayName: String
    /// The selected `solvers[]` entry.
    public var solver: IssuerSpec.ACME.Solver
    /// Where the solver's Secrets (`tsigSecretSecretRef`) live: the Issuer's namespace, or for a ClusterIssuer the
    /// cluster resource namespace.
    public var secretNamespace: String
    public var store: any ResourceStore
    /// Self-checks reach tenant-chosen names: through this policy (tests allow 127.0.0.0/8).
    public var egress: EgressPolicy
    public var now: Date

    public init(certificateNamespace: String?, certificateName: String, certificateUID: String?, issuerDisplayName: String,
                solver: IssuerSpec.ACME.Solver, secretNamespace: String, store: any ResourceStore, egress: EgressPolicy,
                now: Date) {
        self.certificateNamespace = certificateNamespace
        self.certificateName = certificateName
        self.certificateUID = certificateUID
        self.issuerDisplayName = issuerDisplayName
        self.solver = solver
        self.secretNamespace = secretNamespace
        self.store = store
        self.egress = egress
        self.now = now
    }
}

/// The solvers an operator has, one per challenge type; the wiring registers what it built (the HTTP-01 solver for
/// the cluster or standalone, the RFC 2136 solver).
public struct ACMESolvers: Sendable {
    public var byType: [ACMEChallengeType: any ACMEChallengeSolver]

    public init(_ solvers: [any ACMEChallengeSolver] = []) {
        byType = Dictionary(solvers.map { ($0.challengeType, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(type: ACMEChallengeType) -> (any ACMEChallengeSolver)? { byType[type] }
}
