import Foundation
import Hummingbird
import KeywardCore
import Logging
import NIOCore

/// Per-request context: the connection, so the handler can read the TLS client certificate.
struct APIRequestContext: InitializableFromSource {
    let channel: any Channel
    init(source: ApplicationRequestContextSource) { channel = source.channel }
}

/// One authenticated request, decoded once and handed to the verb handlers.
struct APICall: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var query: QueryParameters
    var headers: HTTPFields
    var body: Data
    var user: String
    /// The Host the client used (echoed in `/api`'s serverAddressByClientCIDRs).
    var authority: String?

    var contentType: String { headers[.contentType] ?? "application/json" }
}

/// What the request log records about a request besides its code.
struct RequestFacts: Sendable {
    var verb: Verb?
    var resource: String?
    var group: String?
    var namespace: String?
    var name: String?
}

/// The HTTP face of the store: authentication, routing, content negotiation, fault injection and logging.
///
/// Everything is async and runs on Swift's cooperative pool (the store is an actor); NIO event loops only move
/// bytes, and a watch is a response body that awaits its event stream.
struct APIRequestHandler: HTTPResponder {
    typealias Context = APIRequestContext

    /// kube-apiserver's default request body limit (3 MiB).
    static let maximumBodyBytes = 3 * 1024 * 1024

    let store: ObjectStore
    let journal: RequestJournal
    let connections: TrackedConnections
    let faults: FaultInjector
    let authenticator: Authenticator
    let clock: any WallClock
    let aggregatedDiscovery: Bool
    /// Users allowed on `/_keyward/*`.
    let adminUsers: Set<String>
    let logger: Logger

    func respond(to request: Request, context: APIRequestContext) async throws -> Response {
        try await connections.answering { try await answer(request, context: context) }
    }

    private func answer(_ request: Request, context: APIRequestContext) async throws -> Response {
        let routed = RequestPath(request.uri.path)
        // What kube-apiserver's system:public-info-viewer role grants to everyone.
        switch routed {
        case .version: return HTTPResponses.json(Discovery.version())
        case .health: return HTTPResponses.text("ok")
        default: break
        }
        var facts = RequestFacts()
        guard let identity = await authenticator.authenticate(request.headers, channel: context.channel) else {
            let response = HTTPResponses.failure(.unauthorized)
            await record(request, context: context, user: nil, facts: facts, code: 401)
            return response
        }
        var request = request
        let body: Data
        do {
            let buffer = try await request.collectBody(upTo: Self.maximumBodyBytes)
            body = Data(buffer.readableBytesView)
        } catch {
            await record(request, context: context, user: identity.user, facts: facts, code: 413)
            return HTTPResponses.failure(.requestEntityTooLarge(Self.maximumBodyBytes))
        }
        let call = APICall(method: request.method, path: request.uri.path, query: QueryParameters(request.uri.query),
                           headers: request.headers, body: body, user: identity.user,
                           authority: request.head.authority)
        let response: Response
        do throws(APIStatusError) {
            response = try await route(routed, call, facts: &facts)
        } catch {
            response = HTTPResponses.failure(error)
        }
        await record(request, context: context, user: identity.user, facts: facts, code: Int(response.status.code))
        return response
    }

    private func record(_ request: Request, context: APIRequestContext, user: String?, facts: RequestFacts, code: Int) async {
        await journal.record(RequestRecord(
            time: clock.now, user: user, verb: facts.verb, resource: facts.resource, group: facts.group,
            namespace: facts.namespace, name: facts.name, method: request.method.rawValue, path: request.uri.path, code: code,
            httpVersion: context.channel.isHTTP2Stream ? 2 : 1, connection: ObjectIdentifier(context.channel.connection).hashValue))
    }

    // MARK: Routing

    private func route(_ routed: RequestPath, _ call: APICall, facts: inout RequestFacts) async throws(APIStatusError) -> Response {
        switch routed {
        case .resource(let path):
            return try await handleResource(path, call, facts: &facts)
        case .coreRoot, .groupsRoot, .coreVersion, .group, .groupVersion:
            guard call.method == .get else { throw .methodNotAllowed("the server does not allow this method on the requested resource") }
            return try await discovery(routed, call)
        case .openAPIV3Root, .openAPIV3:
            guard call.method == .get else { throw .methodNotAllowed("the server does not allow this method on the requested resource") }
            let defs = await store.definitionsSnapshot()
            if case .openAPIV3(let groupVersion) = routed {
                guard let document = OpenAPIDocuments.groupVersion(groupVersion, defs) else { throw .pathNotFound }
                return HTTPResponses.json(document)
            }
            return HTTPResponses.json(OpenAPIDocuments.root(defs))
        case .admin(let segments):
            guard adminUsers.contains(call.user) else {
                throw APIStatusError(code: 403, reason: "Forbidden", message: "user \"\(call.user)\" cannot use /_keyward")
            }
            return try await admin(segments, call)
        case .version, .health, .unknown:
            throw .pathNotFound
        }
    }

    private func discovery(_ routed: RequestPath, _ call: APICall) async throws(APIStatusError) -> Response {
        let defs = await store.definitionsSnapshot()
        let accept = call.headers[.accept] ?? ""
        let wantsAggregated = aggregatedDiscovery && Self.acceptsV2(accept)
        switch routed {
        case .coreRoot:
            if wantsAggregated {
                return HTTPResponses.json(Discovery.aggregated(core: true, defs), contentType: Discovery.aggregatedContentType)
            }
            return HTTPResponses.json(Discovery.apiVersions(serverAddress: call.authority ?? "127.0.0.1:6443"))
        case .groupsRoot:
            if wantsAggregated {
                return HTTPResponses.json(Discovery.aggregated(core: false, defs), contentType: Discovery.aggregatedContentType)
            }
            return HTTPResponses.json(Discovery.groupList(defs))
        case .coreVersion(let version):
            guard let list = Discovery.resourceList(group: "", version: version, defs), version == "v1" else { throw .pathNotFound }
            return HTTPResponses.json(list)
        case .group(let name):
            guard let group = Discovery.group(name, defs) else { throw .pathNotFound }
            return HTTPResponses.json(group)
        case .groupVersion(let group, let version):
            guard let list = Discovery.resourceList(group: group, version: version, defs) else { throw .pathNotFound }
            return HTTPResponses.json(list)
        default:
            throw .pathNotFound
        }
    }

    /// Whether an Accept header lists aggregated discovery v2 (any parameter order).
    static func acceptsV2(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { clause in
            let params = Set(clause.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            return params.contains("as=APIGroupDiscoveryList") && params.contains("v=v2") && params.contains("g=apidiscovery.k8s.io")
        }
    }

    // MARK: Resources

    private func handleResource(_ path: ResourcePath, _ call: APICall, facts: inout RequestFacts) async throws(APIStatusError) -> Response {
        facts.group = path.group
        facts.resource = path.subresource.map { "\(path.plural)/\($0)" } ?? path.plural
        facts.namespace = path.namespace
        facts.name = path.name
        guard let def = await store.definition(group: path.group, version: path.version, plural: path.plural) else {
            throw .pathNotFound
        }
        if !def.namespaced && path.namespace != nil { throw .pathNotFound }
        let namespace = def.namespaced ? path.namespace : nil
        if def.namespaced && namespace == nil && (path.name != nil || call.method == .post) { throw .pathNotFound }
        if let subresource = path.subresource, subresource != "status" || !def.statusSubresource { throw .pathNotFound }

        let verb = try Self.verb(call, path)
        facts.verb = verb
        if path.subresource != nil && ![.get, .update, .patch].contains(verb) {
            throw .methodNotAllowed("the server does not allow this method on the requested resource")
        }

        let delay = await faults.delay
        if delay > .zero { try? await Task.sleep(for: delay) }
        if let injected = await faults.failure(verb: verb, resource: facts.resource ?? path.plural,
                                               groupResource: def.groupResource, name: path.name) {
            throw injected
        }

        let target = ResourceTarget(def: def, version: path.version, namespace: namespace, path: path)
        switch verb {
        case .get: return try await get(target, name: path.name!, call)
        case .list: return try await list(target, call)
        case .watch: return try await watch(target, name: path.name, call)
        case .create: return try await create(target, call, facts: &facts)
        case .update: return try await update(target, name: path.name!, call)
        case .patch: return try await patch(target, name: path.name!, call)
        case .delete: return try await delete(target, name: path.name!, call)
        case .deletecollection: return try await deleteCollection(target, call)
        }
    }

    private static func verb(_ call: APICall, _ path: ResourcePath) throws(APIStatusError) -> Verb {
        let watchRequested = path.legacyWatch || call.query.bool("watch") == true
        switch call.method {
        case .get:
            if watchRequested { return .watch }
            return path.name == nil ? .list : .get
        case .post where path.name == nil && !path.legacyWatch: return .create
        case .put where path.name != nil: return .update
        case .patch where path.name != nil: return .patch
        case .delete: return path.name == nil ? .deletecollection : .delete
        default:
            throw .methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }
}

/// The resource a request addresses, resolved against the registered definitions.
struct ResourceTarget: Sendable {
    var def: ResourceDefinition
    var version: String
    var namespace: String?
    var path: ResourcePath

    func write(dryRun: Bool) -> WriteTarget {
        WriteTarget(definition: def, version: version, namespace: namespace, dryRun: dryRun)
    }

    /// apiVersion/kind for a client of this version.
    func present(_ object: JSONValue) -> JSONValue {
        var o = object
        o["apiVersion"] = .string(def.apiVersion(version))
        o["kind"] = .string(def.kind)
        return o
    }
}
