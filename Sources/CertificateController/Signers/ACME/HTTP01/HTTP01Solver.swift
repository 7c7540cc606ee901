import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient

/// The HTTP-01 ``ACMEChallengeSolver``. In a cluster it routes the challenge path to the controllers' challenge
/// listener with an Ingress (new, or a path in an existing one) or a Gateway API HTTPRoute; standalone it serves the
/// challenge on Keyward's own listener (`http01.listen`) or writes it into a web server's folder (`http01.webroot`).
/// Either way a self-check fetches the token through the name, as the CA will, before the CA is asked to.
public struct HTTP01Solver: ACMEChallengeSolver {
    public enum Environment: Sendable {
        /// Routes go to this Service (the one in front of every replica's `--acme-http01-address`).
        case cluster(HTTP01ServiceBackend)
        /// `keyward run`: listeners for `http01.listen`, files for `http01.webroot`.
        case standalone(HTTP01StandaloneListeners)
    }

    public let environment: Environment
    public let selfChecker: HTTP01SelfCheck

    public init(environment: Environment, selfCheck: HTTP01SelfCheck = HTTP01SelfCheck()) {
        self.environment = environment
        selfChecker = selfCheck
    }

    public var challengeType: ACMEChallengeType { .http01 }

    public func present(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws {
        switch try route(for: context) {
        case .ingress(let config, let backend):
            try await HTTP01IngressRoute(backend: backend).present(challenge, config: config, context: context)
        case .gateway(let config, let backend):
            try await HTTP01GatewayRoute(backend: backend).present(challenge, config: config, context: context)
        case .listen(let address, let listeners):
            try await listeners.present(token: try checkedToken(challenge), keyAuthorization: challenge.keyAuthorization,
                                        address: address)
        case .webroot(let webroot):
            try webroot.present(token: challenge.token, keyAuthorization: challenge.keyAuthorization)
        }
    }

    public func selfCheck(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async -> ACMESelfCheck {
        await selfChecker.check(domain: challenge.domain, token: challenge.token,
                                keyAuthorization: challenge.keyAuthorization, egress: context.egress)
    }

    public func cleanup(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws {
        switch try route(for: context) {
        case .ingress(let config, let backend):
            try await HTTP01IngressRoute(backend: backend).cleanup(challenge, config: config, context: context)
        case .gateway(_, let backend):
            try await HTTP01GatewayRoute(backend: backend).cleanup(challenge, context: context)
        case .listen(_, let listeners):
            await listeners.cleanup(token: challenge.token)
        case .webroot(let webroot):
            try webroot.cleanup(token: challenge.token)
        }
    }

    private enum Route {
        case ingress(IssuerSpec.ACME.HTTP01.Ingress, HTTP01ServiceBackend)
        case gateway(IssuerSpec.ACME.HTTP01.GatewayHTTPRoute, HTTP01ServiceBackend)
        case listen(String, HTTP01StandaloneListeners)
        case webroot(HTTP01Webroot)
    }

    /// What the selected solver entry asks for, if this environment can do it.
    private func route(for context: ACMESolverContext) throws(ACMESolverError) -> Route {
        guard let http01 = context.solver.http01 else {
            throw ACMESolverError("the selected solver has no http01 section", isRetryable: false)
        }
        switch environment {
        case .cluster(let backend):
            if let ingress = http01.ingress { return .ingress(ingress, backend) }
            if let route = http01.gatewayHTTPRoute { return .gateway(route, backend) }
            throw ACMESolverError("http01.listen and http01.webroot are for `keyward run`; in a cluster use "
                                  + "http01.ingress or http01.gatewayHTTPRoute", isRetryable: false)
        case .standalone(let listeners):
            if let address = http01.listen { return .listen(address, listeners) }
            if let webroot = http01.webroot { return .webroot(HTTP01Webroot(root: webroot)) }
            throw ACMESolverError("http01.ingress and http01.gatewayHTTPRoute need a cluster; with `keyward run` use "
                                  + "http01.listen or http01.webroot", isRetryable: false)
        }
    }

    private func checkedToken(_ challenge: ACMEChallengeTask) throws(ACMESolverError) -> String {
        guard ACMEChallengeToken.isValid(challenge.token) else {
            throw ACMESolverError("the CA sent a challenge token that is not base64url", isRetryable: false)
        }
        return challenge.token
    }
}
