import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// HTTP-01 through an Ingress: either one Ingress per challenge of the configured class, or one more path in an
/// existing Ingress (`http01.ingress.name`), removed again afterwards (exactly that path; the rule too when the
/// solver added it for a host the Ingress did not have).
struct HTTP01IngressRoute: Sendable {
    var backend: HTTP01ServiceBackend

    func present(_ challenge: ACMEChallengeTask, config: IssuerSpec.ACME.HTTP01.Ingress, context: ACMESolverContext) async throws {
        if let existing = config.name {
            try await addPath(challenge, toIngress: existing, context: context)
            return
        }
        let name = HTTP01RouteMetadata.name(for: challenge)
        if let found = try await context.store.get(Ingress.self, namespace: context.certificateNamespace, name: name) {
            guard HTTP01RouteMetadata.isOurs(found.metadata, challenge: challenge, context: context) else {
                throw ACMESolverError("Ingress \(name) exists and was not created by Keyward for this challenge; "
                                      + "delete or rename it", isRetryable: false)
            }
            return
        }
        let ingress = Ingress(metadata: HTTP01RouteMetadata.metadata(for: challenge, context: context),
                              spec: Ingress.Spec(ingressClassName: config.ingressClassName,
                                                 rules: [Ingress.Rule(host: challenge.domain, http: .init(paths: [path(for: challenge)]))]))
        do {
            _ = try await context.store.create(ingress)
        } catch StoreError.alreadyExists {
            // Created by an earlier pass whose answer was lost: the next pass finds it.
        } catch StoreError.invalid(_, _, let reason) {
            throw ACMESolverError("the API server refused the HTTP-01 Ingress \(name): \(reason)", isRetryable: false)
        }
    }

    func cleanup(_ challenge: ACMEChallengeTask, config: IssuerSpec.ACME.HTTP01.Ingress, context: ACMESolverContext) async throws {
        if let existing = config.name {
            try await removePath(challenge, fromIngress: existing, context: context)
            return
        }
        let name = HTTP01RouteMetadata.name(for: challenge)
        guard let found = try await context.store.get(Ingress.self, namespace: context.certificateNamespace, name: name),
              HTTP01RouteMetadata.isOurs(found.metadata, challenge: challenge, context: context)
        else { return }
        do {
            try await context.store.delete(Ingress.self, namespace: context.certificateNamespace, name: name)
        } catch StoreError.notFound {}
    }

    /// The solver's path: exactly the challenge path, to the controllers' Service.
    func path(for challenge: ACMEChallengeTask) -> Ingress.Path {
        Ingress.Path(pathType: "Exact", path: challenge.http01Path,
                     backend: .init(service: .init(name: backend.name, port: .init(number: backend.port))))
    }

    /// On a patched Ingress: the solver added the whole rule for this challenge's host (so cleanup removes it).
    private func addedRuleAnnotation(_ challenge: ACMEChallengeTask) -> String {
        "keyward.dev/acme-http01-rule-" + HTTP01RouteMetadata.name(for: challenge).dropFirst("keyward-http01-".count)
    }

    private func missing(_ name: String, _ context: ACMESolverContext) -> ACMESolverError {
        ACMESolverError("http01.ingress.name: Ingress \(name) not found in namespace \(context.certificateNamespace ?? "default")")
    }

    private func addPath(_ challenge: ACMEChallengeTask, toIngress name: String, context: ACMESolverContext) async throws {
        guard var ingress = try await context.store.get(Ingress.self, namespace: context.certificateNamespace, name: name) else {
            throw missing(name, context)
        }
        let ours = path(for: challenge)
        var rules = ingress.spec.rules ?? []
        if rules.contains(where: { $0.host == challenge.domain && $0.http?.paths.contains(ours) == true }) { return }
        if let index = rules.firstIndex(where: { $0.host == challenge.domain }) {
            var http = rules[index].http ?? .init(paths: [])
            http.paths.append(ours)
            rules[index].http = http
        } else {
            rules.append(Ingress.Rule(host: challenge.domain, http: .init(paths: [ours])))
            ingress.metadata.annotations[addedRuleAnnotation(challenge)] = challenge.domain
        }
        ingress.spec.rules = rules
        do {
            _ = try await context.store.update(ingress)
        } catch StoreError.invalid(_, _, let reason) {
            throw ACMESolverError("the API server refused the HTTP-01 path in Ingress \(name): \(reason)", isRetryable: false)
        }
    }

    private func removePath(_ challenge: ACMEChallengeTask, fromIngress name: String, context: ACMESolverContext) async throws {
        guard var ingress = try await context.store.get(Ingress.self, namespace: context.certificateNamespace, name: name),
              var rules = ingress.spec.rules
        else { return }
        let ours = path(for: challenge)
        guard rules.contains(where: { $0.host == challenge.domain && $0.http?.paths.contains(ours) == true }) else { return }
        for index in rules.indices where rules[index].host == challenge.domain {
            rules[index].http?.paths.removeAll { $0 == ours }
            if rules[index].http?.paths.isEmpty == true { rules[index].http = nil }
        }
        // The rule goes too when the solver added it for a host the Ingress did not have.
        let marker = addedRuleAnnotation(challenge)
        if ingress.metadata.annotations.removeValue(forKey: marker) != nil {
            rules.removeAll { $0.host == challenge.domain && $0.http == nil }
        }
        ingress.spec.rules = rules.isEmpty ? nil : rules
        _ = try await context.store.update(ingress)
    }
}
