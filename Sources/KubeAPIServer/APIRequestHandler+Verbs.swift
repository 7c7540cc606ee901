import Foundation
import Hummingbird
import KeywardCore

/// The verbs: decoding request bodies and options, calling the store, shaping responses as kube-apiserver does.
extension APIRequestHandler {
    // MARK: Reads

    func get(_ target: ResourceTarget, name: String, _ call: APICall) async throws(APIStatusError) -> Response {
        let format = try ResponseFormat.negotiate(call.headers[.accept])
        let object = try await store.get(target.def, version: target.version, namespace: target.namespace, name: name)
        switch format {
        case .object:
            return HTTPResponses.json(object)
        case .table(let metaVersion):
            let table = tableJSON([object], target, metadata: ["resourceVersion": .string(object.resourceVersion)],
                                  include: try includeObject(call), metaVersion: metaVersion)
            return HTTPResponses.json(table, contentType: HTTPResponses.tableType)
        case .partialMetadata(let metaVersion):
            return HTTPResponses.json(Self.partialMetadata(object, metaVersion: metaVersion))
        }
    }

    func list(_ target: ResourceTarget, _ call: APICall) async throws(APIStatusError) -> Response {
        let format = try ResponseFormat.negotiate(call.headers[.accept])
        let options = try listOptions(call, target)
        let result = try await store.list(target.def, version: target.version, namespace: target.namespace, options: options)
        var metadata: JSONObject = ["resourceVersion": .string(String(result.resourceVersion))]
        if let token = result.continueToken { metadata["continue"] = .string(token) }
        if let remaining = result.remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        switch format {
        case .object:
            // Typed (built-in) lists carry apiVersion/kind only on the list, as the real server encodes them.
            let items = target.def.isCustom ? result.items : result.items.map(Self.strippingTypeMeta)
            return HTTPResponses.json(["apiVersion": .string(target.def.apiVersion(target.version)),
                                       "kind": .string(target.def.listKind), "metadata": .object(metadata),
                                       "items": .array(items)])
        case .table(let metaVersion):
            let table = tableJSON(result.items, target, metadata: metadata, include: try includeObject(call),
                                  metaVersion: metaVersion)
            return HTTPResponses.json(table, contentType: HTTPResponses.tableType)
        case .partialMetadata(let metaVersion):
            return HTTPResponses.json(["kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(metaVersion)"),
                                       "metadata": .object(metadata),
                                       "items": .array(result.items.map { Self.partialMetadata($0, metaVersion: metaVersion) })])
        }
    }

    func watch(_ target: ResourceTarget, name: String?, _ call: APICall) async throws(APIStatusError) -> Response {
        let format = try ResponseFormat.negotiate(call.headers[.accept])
        let include = try includeObject(call)
        var options = ObjectStore.WatchOptions()
        let list = try listOptions(call, target)
        options.labels = list.labels
        options.fields = list.fields
        if let name {
            options.fields.requirements.append(FieldSelector.Requirement(field: "metadata.name", value: name, negated: false))
        }
        options.resourceVersion = call.query["resourceVersion"]
        options.sendInitialEvents = call.query.bool("sendInitialEvents")
        options.bookmarks = call.query.bool("allowWatchBookmarks") ?? false
        if let seconds = try call.query.int("timeoutSeconds"), seconds > 0 { options.timeout = .seconds(seconds) }
        let (id, stream) = try await store.watch(target.def, version: target.version, namespace: target.namespace,
                                                 options: options)
        let store = self.store
        let clock = self.clock
        let body = ResponseBody { writer in
            do {
                for await message in stream {
                    let line = Self.watchLine(message, target, format: format, include: include, now: clock.now)
                    try await writer.write(ByteBuffer(bytes: line))
                }
            } catch {
                // The client went away: forget the watcher instead of buffering events for nobody.
                await store.finishWatch(id)
                throw error
            }
            await store.finishWatch(id)
            try await writer.finish(nil)
        }
        var headers = HTTPFields()
        if case .table = format { headers[.contentType] = HTTPResponses.tableType } else { headers[.contentType] = "application/json" }
        headers[.cacheControl] = "no-cache, private"
        return Response(status: .ok, headers: headers, body: body)
    }

    // MARK: Writes

    func create(_ target: ResourceTarget, _ call: APICall, facts: inout RequestFacts) async throws(APIStatusError) -> Response {
        let body = try decodeBody(call)
        let dryRun = try Self.dryRun(call.query.all("dryRun"))
        let warnings = try unknownFieldWarnings(body, target, call)
        let created = try await store.create(target.write(dryRun: dryRun), body: body)
        facts.name = created.name
        await recordWrite(.create, call, target, object: created, changed: !dryRun)
        return HTTPResponses.json(created, status: 201, warnings: warnings)
    }

    func update(_ target: ResourceTarget, name: String, _ call: APICall) async throws(APIStatusError) -> Response {
        let body = try decodeBody(call)
        let dryRun = try Self.dryRun(call.query.all("dryRun"))
        let warnings = target.path.subresource == nil ? try unknownFieldWarnings(body, target, call) : []
        let result = try await store.update(target.write(dryRun: dryRun), name: name, body: body,
                                            subresource: target.path.subresource)
        await recordWrite(.update, call, target, object: result.object, changed: result.changed && !dryRun)
        return HTTPResponses.json(result.object, warnings: warnings)
    }

    func patch(_ target: ResourceTarget, name: String, _ call: APICall) async throws(APIStatusError) -> Response {
        guard let type = PatchType(contentType: call.contentType) else {
            throw .unsupportedMediaType(target.def.supportsStrategicMergePatch
                ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
                : "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        let patch: JSONValue
        if type == .apply {
            guard let manager = call.query["fieldManager"], !manager.isEmpty else {
                throw .invalid(GroupKind(group: "meta.k8s.io", kind: "PatchOptions"), "",
                               [FieldError(.required, "fieldManager", "is required for apply patch")])
            }
            do { patch = try YAMLDocuments.parse(String(decoding: call.body, as: UTF8.self)).first ?? .null } catch {
                throw .badRequest("error decoding YAML: \(error.reason)")
            }
        } else {
            patch = try Self.parseJSON(call.body)
        }
        let dryRun = try Self.dryRun(call.query.all("dryRun"))
        let result = try await store.patch(target.write(dryRun: dryRun), name: name, type: type, patch: patch,
                                           subresource: target.path.subresource)
        await recordWrite(result.created ? .create : .patch, call, target, object: result.object,
                          changed: result.changed && !dryRun)
        return HTTPResponses.json(result.object, status: result.created ? 201 : 200)
    }

    func delete(_ target: ResourceTarget, name: String, _ call: APICall) async throws(APIStatusError) -> Response {
        let (options, dryRun) = try deleteOptions(call)
        let outcome = try await store.delete(target.write(dryRun: dryRun), name: name, options: options)
        switch outcome {
        case .deleted(let object):
            await recordWrite(.delete, call, target, object: object, changed: !dryRun)
            if target.def.returnsDeletedObject { return HTTPResponses.json(object) }
            var details: JSONObject = ["name": .string(name), "kind": .string(target.def.plural), "uid": .string(object.uid)]
            if !target.def.group.isEmpty { details["group"] = .string(target.def.group) }
            return HTTPResponses.success(details: details)
        case .pending(let object):
            await recordWrite(.delete, call, target, object: object, changed: !dryRun)
            return HTTPResponses.json(object)
        }
    }

    func deleteCollection(_ target: ResourceTarget, _ call: APICall) async throws(APIStatusError) -> Response {
        let list = try listOptions(call, target)
        let (options, dryRun) = try deleteOptions(call)
        let deleted = try await store.deleteCollection(target.write(dryRun: dryRun), list: list, options: options)
        for object in deleted {
            await recordWrite(.deletecollection, call, target, object: object, changed: !dryRun)
        }
        let items = target.def.isCustom ? deleted : deleted.map(Self.strippingTypeMeta)
        return HTTPResponses.json(["apiVersion": .string(target.def.apiVersion(target.version)),
                                   "kind": .string(target.def.listKind), "metadata": .object([:]), "items": .array(items)])
    }

    private func recordWrite(_ verb: Verb, _ call: APICall, _ target: ResourceTarget, object: JSONValue, changed: Bool) async {
        let resource = target.path.subresource.map { "\(target.def.plural)/\($0)" } ?? target.def.plural
        await journal.record(WriteRecord(
            time: clock.now, user: call.user, verb: verb, path: call.path, resource: resource, group: target.def.group,
            namespace: object.namespace ?? target.namespace, name: object.name, resourceVersion: object.resourceVersion,
            changed: changed))
    }

    // MARK: Options and bodies

    func listOptions(_ call: APICall, _ target: ResourceTarget) throws(APIStatusError) -> ObjectStore.ListOptions {
        var options = ObjectStore.ListOptions()
        if let text = call.query["labelSelector"] {
            do { options.labels = try LabelSelector(parsing: text) } catch { throw .badRequest(error.message) }
        }
        if let text = call.query["fieldSelector"] {
            do { options.fields = try FieldSelector(parsing: text) } catch { throw .badRequest(error.message) }
            let supported = ResourceRules.supportedFields(target.def, version: target.version)
            for requirement in options.fields.requirements where !supported.contains(requirement.field) {
                throw .badRequest("field label not supported: \(requirement.field)")
            }
        }
        if let limit = try call.query.int("limit"), limit > 0 { options.limit = limit }
        options.continueToken = call.query["continue"]
        options.resourceVersion = call.query["resourceVersion"]
        options.resourceVersionMatch = call.query["resourceVersionMatch"]
        return options
    }

    private func includeObject(_ call: APICall) throws(APIStatusError) -> TableConverter.IncludeObject {
        guard let text = call.query["includeObject"], !text.isEmpty else { return .metadata }
        guard let value = TableConverter.IncludeObject(rawValue: text) else {
            throw .badRequest("includeObject must be one of None, Metadata or Object")
        }
        return value
    }

    private func unknownFieldWarnings(_ body: JSONValue, _ target: ResourceTarget, _ call: APICall) throws(APIStatusError) -> [String] {
        let validation = try FieldValidation(query: call.query["fieldValidation"])
        guard target.def.isCustom, validation != .ignore, let schema = target.def.schemas[target.version] else { return [] }
        let problems = FieldValidation.unknownFields(body, schema: schema)
        if validation == .strict && !problems.isEmpty {
            let kind = target.def.kind
            throw .badRequest("\(kind) in version \"\(target.version)\" cannot be handled as a \(kind): strict decoding error: "
                + problems.joined(separator: ", "))
        }
        return problems
    }

    func deleteOptions(_ call: APICall) throws(APIStatusError) -> (DeleteOptions, dryRun: Bool) {
        let body: JSONValue = call.body.isEmpty ? .object([:]) : try Self.parseJSON(call.body)
        var options = DeleteOptions()
        let policy = call.query["propagationPolicy"] ?? body["propagationPolicy"]?.stringValue
        if let policy, !policy.isEmpty {
            guard let value = DeleteOptions.Propagation(rawValue: policy) else {
                throw .invalid(GroupKind(group: "meta.k8s.io", kind: "DeleteOptions"), "", [
                    FieldError(.notSupported, "propagationPolicy", value: .string(policy),
                               "supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                ])
            }
            options.propagation = value
        } else if let orphan = call.query.bool("orphanDependents") ?? body["orphanDependents"]?.boolValue {
            options.propagation = orphan ? .orphan : .background
        }
        options.preconditionUID = body["preconditions"]?["uid"]?.stringValue
        options.preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
        let dryRunValues = call.query.all("dryRun") + (body["dryRun"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return (options, try Self.dryRun(dryRunValues))
    }

    static func dryRun(_ values: [String]) throws(APIStatusError) -> Bool {
        guard !values.isEmpty else { return false }
        for value in values where value != "All" {
            throw .badRequest("Invalid dryRun value: \(FieldError.goQuote(value)); supported values: \"All\"")
        }
        return true
    }

    func decodeBody(_ call: APICall) throws(APIStatusError) -> JSONValue {
        let mediaType = call.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard !call.body.isEmpty else { throw .badRequest("Object 'Kind' is missing in ''") }
        switch mediaType {
        case "application/json", "", "*/*":
            return try Self.parseJSON(call.body)
        case "application/yaml", "application/x-yaml", "text/yaml":
            do {
                return try YAMLDocuments.parse(String(decoding: call.body, as: UTF8.self)).first ?? .null
            } catch {
                throw .badRequest("error decoding YAML: \(error.reason)")
            }
        case KubeProtobuf.mediaType:
            do { return try KubeProtobuf.decode(call.body) } catch {
                throw .unsupportedMediaType("application/json, application/yaml (protobuf: \(error.message))")
            }
        default:
            throw .unsupportedMediaType("application/json, application/yaml")
        }
    }

    static func parseJSON(_ data: Data) throws(APIStatusError) -> JSONValue {
        // kube-apiserver's limit, not the controller's: a faithful server accepts custom resources nested this deep.
        do { return try JSONValue.parse(data, maxDepth: 10_000) } catch {
            // The decoder's message names the position, never the value, so nothing secret is echoed.
            throw .badRequest("couldn't get version/kind; json parse error: \(Self.decodingSummary(error))")
        }
    }

    private static func decodingSummary(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        }
        return "invalid JSON"
    }

    // MARK: Shaping

    static func strippingTypeMeta(_ object: JSONValue) -> JSONValue {
        var o = object
        o["apiVersion"] = nil
        o["kind"] = nil
        return o
    }

    static func partialMetadata(_ object: JSONValue, metaVersion: String) -> JSONValue {
        ["kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(metaVersion)"), "metadata": object.metadata]
    }

    func tableJSON(_ objects: [JSONValue], _ target: ResourceTarget, metadata: JSONObject,
                   include: TableConverter.IncludeObject, metaVersion: String) -> JSONValue {
        var table = TableConverter.table(objects, target.def, version: target.version, now: clock.now,
                                         listMetadata: metadata, include: include)
        table["apiVersion"] = .string("meta.k8s.io/\(metaVersion)")
        return table
    }

    /// One line of a watch stream: `{"type": ..., "object": ...}` and a newline.
    static func watchLine(_ message: WatchMessage, _ target: ResourceTarget, format: ResponseFormat,
                          include: TableConverter.IncludeObject, now: Date) -> Data {
        let event: JSONValue
        switch message {
        case .event(let type, let object):
            let presented = target.present(object)
            let payload: JSONValue
            switch format {
            case .object:
                payload = presented
            case .table(let metaVersion):
                var table = TableConverter.table([presented], target.def, version: target.version, now: now,
                                                 listMetadata: ["resourceVersion": .string(presented.resourceVersion)],
                                                 include: include)
                table["apiVersion"] = .string("meta.k8s.io/\(metaVersion)")
                payload = table
            case .partialMetadata(let metaVersion):
                payload = partialMetadata(presented, metaVersion: metaVersion)
            }
            event = ["type": .string(type.rawValue), "object": payload]
        case .bookmark(let rv, let initialEventsEnd):
            var metadata: JSONObject = ["resourceVersion": .string(String(rv)), "creationTimestamp": .null]
            if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
            event = ["type": "BOOKMARK", "object": ["kind": .string(target.def.kind),
                                                    "apiVersion": .string(target.def.apiVersion(target.version)),
                                                    "metadata": .object(metadata)]]
        case .error(let error):
            event = ["type": "ERROR", "object": error.statusObject]
        }
        var data = event.serialized()
        data.append(0x0A)
        return data
    }
}
