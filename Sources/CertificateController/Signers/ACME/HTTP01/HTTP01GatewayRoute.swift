import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// HTTP-01 through the Gateway API: one HTTPRoute per challenge, attached to the configured parents, matching
/// exactly the challenge path for the name and sending it to the controllers' Service.
struct HTTP01GatewayRoute: Sendable {
    var backend: HTTP01ServiceBackend

    func present(_ challenge: ACMEChallengeTask, config: IssuerSpec.ACME.HTTP01.GatewayHTTPRoute,
                 context: ACMESolverContext) async throws {
        let name = HTTP01RouteMetadata.name(for: challenge)
        if let found = try await context.store.get(HTTPRoute.self, namespace: context.certificateNamespace, name: name) {
            guard HTTP01RouteMetadata.isOurs(found.metadata, challenge: challenge, context: context) else {
                throw ACMESolverError("HTTPRoute \(name) exists and was not created by Keyward for this challenge; "
                                      + "delete or rename it", isRetryable: false)
            }
            return
        }
        let parents = config.parentRefs.map {
            HTTPRoute.ParentReference(group: $0.group, kind: $0.kind, namespace: $0.namespace, name: $0.name,
                                      sectionName: $0.sectionName)
        }
        // Another namespace's Service is named explicitly (the Gateway API then wants a ReferenceGrant there).
        let serviceNamespace = backend.namespace == context.certificateNamespace ? nil : backend.namespace
        let route = HTTPRoute(
            metadata: HTTP01RouteMetadata.metadata(for: challenge, context: context),
            spec: HTTPRoute.Spec(parentRefs: parents, hostnames: [challenge.domain], rules: [
                HTTPRoute.Rule(matches: [HTTPRoute.Match(path: .init(type: "Exact", value: challenge.http01Path))],
                               backendRefs: [HTTPRoute.BackendRef(name: backend.name, namespace: serviceNamespace,
                                                                  port: backend.port)]),
            ]))
        do {
            _ = try await context.store.create(route)
        } catch StoreError.alreadyExists {
        } catch StoreError.invalid(_, _, let reason) {
            throw ACMESolverError("the API server refused the HTTP-01 HTTPRoute \(name): \(reason)", isRetryable: false)
        }
    }

    func cleanup(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws {
        let name = HTTP01RouteMetadata.name(for: challenge)
        guard let found = try await context.store.get(HTTPRoute.self, namespace: context.certificateNamespace, name: name),
              HTTP01RouteMetadata.isOurs(found.metadata, challenge: challenge, context: context)
        else { return }
        do {
            try await context.store.delete(HTTPRoute.self, namespace: context.certificateNamespace, name: name)
        } catch StoreError.notFound {}
    }
}
