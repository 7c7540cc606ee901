import Foundation
import KeywardCore

/// Which patch format a PATCH carries (from its Content-Type).
enum PatchType: Sendable, Equatable {
    case merge, json, strategic, apply

    init?(contentType: String) {
        switch contentType.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
        case "application/merge-patch+json": self = .merge
        case "application/json-patch+json": self = .json
        case "application/strategic-merge-patch+json": self = .strategic
        case "application/apply-patch+yaml", "application/apply-patch+json": self = .apply
        default: return nil
        }
    }
}

/// `DeleteOptions` as sent in a DELETE body or query.
struct DeleteOptions: Sendable {
    enum Propagation: String, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }
    var propagation: Propagation?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
}

/// The result of a DELETE: removed at once, or kept with a deletionTimestamp until finalizers are gone.
enum DeleteOutcome: Sendable {
    case deleted(JSONValue)
    case pending(JSONValue)
}

/// What every write needs to know about the request.
struct WriteTarget: Sendable {
    var definition: ResourceDefinition
    var version: String
    var namespace: String?
    var dryRun: Bool = false
}

extension ObjectStore {
    static let orphanFinalizer = "orphan"
    static let foregroundFinalizer = "foregroundDeletion"
    static let crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    // MARK: Create

    func create(_ target: WriteTarget, body: JSONValue) throws(APIStatusError) -> JSONValue {
        let def = target.definition
        var object = try checkTypeMeta(body, target)
        var meta = try metadataObject(object)
        if def.namespaced {
            let ns = target.namespace ?? ""
            if let bodyNS = meta["namespace"]?.stringValue, !bodyNS.isEmpty, bodyNS != ns {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            meta["namespace"] = .string(ns)
        } else {
            meta["namespace"] = nil
        }
        var name = meta["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = meta["generateName"]?.stringValue, !prefix.isEmpty {
            for _ in 0..<16 {
                name = prefix + ObjectMeta.randomSuffix()
                if objects[def.key]?[Self.objectKey(namespace: target.namespace, name: name)] == nil { break }
            }
        }
        if def.namespaced { try checkNamespaceAcceptsContent(target.namespace ?? "", def: def, name: name) }
        meta["name"] = name.isEmpty ? nil : .string(name)
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(Timestamp.seconds(now))
        for key in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"] {
            meta[key] = nil
        }
        meta["generation"] = def.tracksGeneration ? 1 : nil
        object["metadata"] = .object(meta)

        try ResourceRules.normalize(&object, def: def, old: nil, now: now)
        switch def.behavior {
        case .custom, .deployment, .statefulSet, .daemonSet, .job, .ingress, .httpRoute:
            if def.statusSubresource { object["status"] = ResourceRules.initialStatus(def) }
        case .customResourceDefinition:
            CustomResourceDefinitions.normalize(&object, old: nil, now: now)
        default: break
        }

        var errors: [FieldError] = []
        if name.isEmpty {
            errors.append(FieldError(.required, "metadata.name", "name or generateName is required"))
        } else {
            errors += nameErrors(name, def)
        }
        ObjectMeta.validate(object["metadata"], into: &errors)
        errors += ResourceRules.validate(object, old: nil, def: def)
        if def.isCustom {
            var skipped: [String] = []
            let (processed, schemaErrors) = CustomResources.process(object, old: nil, def: def, version: target.version,
                                                                     skippedRule: { skipped.append($0) })
            noteSkippedRules(skipped)
            object = processed
            errors += schemaErrors
        }
        if def.behavior == .customResourceDefinition { errors += CustomResourceDefinitions.validate(object) }
        guard errors.isEmpty else { throw .invalid(def.groupKind, name, errors) }

        let key = Self.objectKey(namespace: target.namespace.flatMap { def.namespaced ? $0 : nil }, name: name)
        if objects[def.key]?[key] != nil { throw .alreadyExists(def.groupResource, name) }
        object["apiVersion"] = .string(def.apiVersion(def.storageVersion))
        object["kind"] = .string(def.kind)
        if target.dryRun { return present(object, def, target.version) }
        let stored = commit(.added, def: def, objectKey: key, object: object, previous: nil)
        afterWrite(def: def, old: nil, new: stored)
        return present(stored, def, target.version)
    }

    // MARK: Update

    /// PUT on the object (`subresource == nil`) or on `/status`. `fromPatch` lifts the custom-resource rule that
    /// an update must name the resourceVersion (a patch is applied to the current one).
    func update(_ target: WriteTarget, name: String, body: JSONValue, subresource: String?,
                fromPatch: Bool = false) throws(APIStatusError) -> (object: JSONValue, changed: Bool)
    {
        let def = target.definition
        let incoming = try checkTypeMeta(body, target)
        var incomingMeta = try metadataObject(incoming)
        let bodyName = incomingMeta["name"]?.stringValue ?? ""
        if bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if def.namespaced {
            if let bodyNS = incomingMeta["namespace"]?.stringValue, !bodyNS.isEmpty, bodyNS != target.namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            incomingMeta["namespace"] = target.namespace.map(JSONValue.string)
        }
        let key = Self.objectKey(namespace: def.namespaced ? target.namespace : nil, name: name)
        guard let old = objects[def.key]?[key] else { throw .notFound(def.groupResource, name) }

        let bodyRV = incomingMeta["resourceVersion"]?.stringValue ?? ""
        if bodyRV.isEmpty {
            if !def.allowsUnconditionalUpdate && !fromPatch {
                throw .invalid(def.groupKind, name, [FieldError(.invalid, "metadata.resourceVersion", rendered: "0x0",
                                                                "must be specified for an update")])
            }
        } else if bodyRV != old.resourceVersion {
            throw .staleResourceVersion(def.groupResource, name)
        }
        if let uid = incomingMeta["uid"]?.stringValue, !uid.isEmpty, uid != old.uid {
            throw .conflict(def.groupResource, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old.uid)")
        }

        var object: JSONValue
        if subresource == "status" {
            object = old
            object["status"] = incoming["status"]
        } else {
            object = incoming
            object["metadata"] = .object(incomingMeta)
            if def.statusSubresource { object["status"] = old["status"] }
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                          "namespace", "name"]
            {
                object.set(["metadata", field], old["metadata"]?[field])
            }
            object.set(["metadata", "managedFields"], nil)
            object.set(["metadata", "selfLink"], nil)
            if object["metadata"]?["generateName"] == nil { object.set(["metadata", "generateName"], old["metadata"]?["generateName"]) }
            try ResourceRules.normalize(&object, def: def, old: old, now: now)
            if def.behavior == .customResourceDefinition { CustomResourceDefinitions.normalize(&object, old: old, now: now) }
        }
        object["apiVersion"] = old["apiVersion"]
        object["kind"] = old["kind"]
        object.set(["metadata", "resourceVersion"], .string(old.resourceVersion))

        var errors: [FieldError] = []
        ObjectMeta.validate(object["metadata"], into: &errors)
        errors += ResourceRules.validate(object, old: old, def: def)
        if def.isCustom {
            var skipped: [String] = []
            let (processed, schemaErrors) = CustomResources.process(object, old: old, def: def, version: target.version,
                                                                     skippedRule: { skipped.append($0) })
            noteSkippedRules(skipped)
            object = processed
            errors += schemaErrors
        }
        if def.behavior == .customResourceDefinition { errors += CustomResourceDefinitions.validate(object) }
        if old.isBeingDeleted {
            let added = ObjectMeta.finalizers(object).filter { !ObjectMeta.finalizers(old).contains($0) }
            if !added.isEmpty {
                errors.append(FieldError(.forbidden, "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{"
                        + added.map { "\"\($0)\"" }.joined(separator: ", ") + "}"))
            }
        }
        guard errors.isEmpty else { throw .invalid(def.groupKind, name, errors) }

        if def.tracksGeneration {
            let generation = old["metadata"]?["generation"]?.intValue ?? 1
            let bump = ResourceRules.desiredStateChanged(old: old, new: object, def: def)
            object.set(["metadata", "generation"], .int(bump ? generation + 1 : generation))
        }
        if object == old { return (present(old, def, target.version), false) }
        if target.dryRun { return (present(object, def, target.version), true) }
        let stored = commit(.modified, def: def, objectKey: key, object: object, previous: old)
        if stored.isBeingDeleted && ObjectMeta.finalizers(stored).isEmpty && def.behavior != .namespace {
            commit(.deleted, def: def, objectKey: key, object: stored, previous: stored)
            afterDelete(def: def, deleted: stored)
        } else {
            afterWrite(def: def, old: old, new: stored)
        }
        return (present(stored, def, target.version), true)
    }

    // MARK: Patch

    func patch(_ target: WriteTarget, name: String, type: PatchType, patch: JSONValue, subresource: String?)
        throws(APIStatusError) -> (object: JSONValue, changed: Bool, created: Bool)
    {
        let def = target.definition
        let key = Self.objectKey(namespace: def.namespaced ? target.namespace : nil, name: name)
        guard let old = objects[def.key]?[key] else {
            if type == .apply && subresource == nil {
                // Server-side apply approximation: applying to a missing object creates it.
                var body = patch
                if body["metadata"]?["name"] == nil { body.set(["metadata", "name"], .string(name)) }
                return (try create(target, body: body), true, true)
            }
            throw .notFound(def.groupResource, name)
        }
        let current = present(old, def, target.version)
        var patched: JSONValue
        switch type {
        case .merge, .apply:
            guard patch.objectValue != nil else {
                throw .badRequest("json: cannot unmarshal \(patch.typeName) into Go value of type map[string]interface {}")
            }
            patched = JSONMergePatch.apply(patch, to: current)
        case .json:
            do {
                patched = try JSONPatch.apply(patch, to: current)
            } catch {
                throw APIStatusError(code: 422, reason: "Invalid", message: error.description)
            }
        case .strategic:
            guard def.supportsStrategicMergePatch else {
                throw .unsupportedMediaType("application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            guard patch.objectValue != nil else {
                throw .badRequest("json: cannot unmarshal \(patch.typeName) into Go value of type map[string]interface {}")
            }
            patched = StrategicMergePatch.apply(patch, to: current)
        }
        if (patched["metadata"]?["resourceVersion"]?.stringValue ?? "").isEmpty {
            patched.set(["metadata", "resourceVersion"], .string(old.resourceVersion))
        }
        if patched["metadata"]?["name"]?.stringValue != name {
            throw .invalid(def.groupKind, name, [FieldError(.invalid, "metadata.name", value: patched["metadata"]?["name"] ?? .null,
                                                            "field is immutable")])
        }
        let result = try update(target, name: name, body: patched, subresource: subresource, fromPatch: true)
        return (result.object, result.changed, false)
    }

    // MARK: Delete

    func delete(_ target: WriteTarget, name: String, options: DeleteOptions) throws(APIStatusError) -> DeleteOutcome {
        let def = target.definition
        let key = Self.objectKey(namespace: def.namespaced ? target.namespace : nil, name: name)
        guard let old = objects[def.key]?[key] else { throw .notFound(def.groupResource, name) }
        if let uid = options.preconditionUID, uid != old.uid {
            throw .conflict(def.groupResource, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old.uid)")
        }
        if let rv = options.preconditionResourceVersion, rv != old.resourceVersion {
            throw .conflict(def.groupResource, name,
                            "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(old.resourceVersion)")
        }
        var finalizers = ObjectMeta.finalizers(old)
        switch options.propagation {
        case .orphan?: if !finalizers.contains(Self.orphanFinalizer) { finalizers.append(Self.orphanFinalizer) }
        case .foreground?: if !finalizers.contains(Self.foregroundFinalizer) { finalizers.append(Self.foregroundFinalizer) }
        default: break
        }
        if def.behavior == .customResourceDefinition && !finalizers.contains(Self.crdCleanupFinalizer) && !old.isBeingDeleted {
            finalizers.append(Self.crdCleanupFinalizer)
        }
        if def.behavior == .namespace {
            if old.isBeingDeleted { return .pending(present(old, def, target.version)) }
            var object = old
            object.set(["metadata", "deletionTimestamp"], .string(Timestamp.seconds(now)))
            object.set(["metadata", "deletionGracePeriodSeconds"], 0)
            if finalizers != ObjectMeta.finalizers(old) { object.set(["metadata", "finalizers"], .array(finalizers.map(JSONValue.string))) }
            object.set(["status", "phase"], "Terminating")
            if target.dryRun { return .pending(present(object, def, target.version)) }
            let stored = commit(.modified, def: def, objectKey: key, object: object, previous: old)
            scheduleGarbageCollection()
            return .pending(present(stored, def, target.version))
        }
        if finalizers.isEmpty {
            if target.dryRun { return .deleted(present(old, def, target.version)) }
            let deleted = commit(.deleted, def: def, objectKey: key, object: old, previous: old)
            afterDelete(def: def, deleted: deleted)
            return .deleted(present(deleted, def, target.version))
        }
        var object = old
        if !old.isBeingDeleted {
            object.set(["metadata", "deletionTimestamp"], .string(Timestamp.seconds(now)))
            object.set(["metadata", "deletionGracePeriodSeconds"], 0)
            if def.tracksGeneration {
                object.set(["metadata", "generation"], .int((old["metadata"]?["generation"]?.intValue ?? 1) + 1))
            }
        }
        object.set(["metadata", "finalizers"], .array(finalizers.map(JSONValue.string)))
        if object == old || target.dryRun { return .pending(present(object, def, target.version)) }
        let stored = commit(.modified, def: def, objectKey: key, object: object, previous: old)
        if collectorHasWork(deleting: stored, def: def) { scheduleGarbageCollection() }
        return .pending(present(stored, def, target.version))
    }

    /// DELETE on a collection: every matching object, each with the same options.
    func deleteCollection(_ target: WriteTarget, list: ListOptions, options: DeleteOptions) throws(APIStatusError) -> [JSONValue] {
        var listOptions = list
        listOptions.limit = nil
        listOptions.continueToken = nil
        let matching = try self.list(target.definition, version: target.version, namespace: target.namespace, options: listOptions)
        var result: [JSONValue] = []
        for object in matching.items {
            var t = target
            t.namespace = object.namespace
            switch try delete(t, name: object.name, options: options) {
            case .deleted(let o), .pending(let o): result.append(o)
            }
        }
        return result
    }

    // MARK: Helpers

    /// Checks apiVersion/kind against the endpoint; built-ins may omit them (the server defaults them).
    private func checkTypeMeta(_ body: JSONValue, _ target: WriteTarget) throws(APIStatusError) -> JSONValue {
        let def = target.definition
        guard case .object = body else {
            throw .badRequest("the body of the request was not a JSON object")
        }
        var object = body
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        if def.isCustom {
            if kind.isEmpty {
                throw .badRequest("Object 'Kind' is missing in '\(body.jsonString.prefix(200))'")
            }
            if apiVersion.isEmpty {
                throw .badRequest("Object 'apiVersion' is missing in '\(body.jsonString.prefix(200))'")
            }
        }
        if !apiVersion.isEmpty && apiVersion != def.apiVersion(target.version) {
            throw .badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(def.apiVersion(target.version)))")
        }
        if !kind.isEmpty && kind != def.kind {
            throw .badRequest("\(def.kind) in version \"\(target.version)\" cannot be handled as a \(def.kind): kind \(kind) does not match \(def.kind)")
        }
        object["apiVersion"] = .string(def.apiVersion(target.version))
        object["kind"] = .string(def.kind)
        return object
    }

    private func metadataObject(_ object: JSONValue) throws(APIStatusError) -> JSONObject {
        switch object["metadata"] {
        case nil, .null?: return [:]
        case .object(let o)?: return o
        case let other?:
            throw .badRequest("json: cannot unmarshal \(other.typeName) into Go struct field Object.metadata of type v1.ObjectMeta")
        }
    }

    private func nameErrors(_ name: String, _ def: ResourceDefinition) -> [FieldError] {
        if def.behavior == .namespace {
            return ObjectMeta.isDNSLabel(name) ? [] : [FieldError(.invalid, "metadata.name", value: .string(name), ObjectMeta.dnsLabelMessage(name))]
        }
        return ObjectMeta.isDNSSubdomain(name) ? [] : [FieldError(.invalid, "metadata.name", value: .string(name), ObjectMeta.dnsSubdomainMessage(name))]
    }

    /// New objects need an existing namespace that is not terminating.
    private func checkNamespaceAcceptsContent(_ ns: String, def: ResourceDefinition, name: String) throws(APIStatusError) {
        guard let namespace = objects["/namespaces"]?["/\(ns)"] else {
            throw .notFound(GroupResource(group: "", resource: "namespaces"), ns)
        }
        if namespace.isBeingDeleted {
            let message = "unable to create new content in namespace \(ns) because it is being terminated"
            throw .forbidden(def.groupResource, name, message,
                             causes: [["reason": "NamespaceTerminating", "message": .string(message), "field": "metadata.namespace"]])
        }
    }

    /// Side effects of a stored create or update: CRD registration, rollouts, garbage collection.
    func afterWrite(def: ResourceDefinition, old: JSONValue?, new: JSONValue) {
        if def.behavior == .customResourceDefinition, !new.isBeingDeleted, let served = CustomResourceDefinitions.definition(from: new) {
            definitions[served.key] = served
        }
        if [.deployment, .statefulSet, .daemonSet].contains(def.behavior) {
            let oldGeneration = old?["metadata"]?["generation"]?.intValue
            if oldGeneration != new["metadata"]?["generation"]?.intValue { simulateRollout(def: def, object: new) }
        }
        if new.isBeingDeleted {
            if collectorHasWork(deleting: new, def: def) { scheduleGarbageCollection() }
        } else if ObjectMeta.ownerUIDs(new) != (old.map(ObjectMeta.ownerUIDs) ?? []) {
            // Only this object can have become garbage; skip the full sweep unless it did.
            let owners = ObjectMeta.ownerUIDs(new)
            if !owners.isEmpty && !owners.contains(where: { ownerExists($0, dependentNamespace: new.namespace) }) {
                scheduleGarbageCollection()
            }
        }
    }

    func afterDelete(def: ResourceDefinition, deleted: JSONValue) {
        if def.behavior == .customResourceDefinition, let served = CustomResourceDefinitions.definition(from: deleted) {
            definitions[served.key] = nil
            objects[served.key] = nil
        }
        if collectorHasWork(deleted: deleted, def: def) { scheduleGarbageCollection() }
    }

    /// Whether an object that now carries a deletionTimestamp needs a controller: orphaning, foreground
    /// deletion, namespace and CRD cleanup. Other finalizers belong to clients.
    func collectorHasWork(deleting object: JSONValue, def: ResourceDefinition) -> Bool {
        if def.behavior == .namespace || def.behavior == .customResourceDefinition { return true }
        let finalizers = ObjectMeta.finalizers(object)
        return finalizers.contains(Self.orphanFinalizer) || finalizers.contains(Self.foregroundFinalizer)
    }

    /// Whether removing `deleted` can make a difference to the collector: it had dependents, an owner waits for
    /// it (foreground), or its namespace or CRD is terminating and waits for the last object to go.
    func collectorHasWork(deleted: JSONValue, def: ResourceDefinition) -> Bool {
        if def.behavior == .customResourceDefinition || def.behavior == .namespace { return true }
        if (dependentCounts[deleted.uid] ?? 0) > 0 { return true }
        for owner in ObjectMeta.ownerUIDs(deleted) {
            if let location = uidIndex[owner], objects[location.key]?[location.objectKey]?.isBeingDeleted == true { return true }
        }
        if let namespace = deleted.namespace, objects["/namespaces"]?["/\(namespace)"]?.isBeingDeleted == true { return true }
        if def.isCustom,
           objects["apiextensions.k8s.io/customresourcedefinitions"]?["/\(def.plural).\(def.group)"]?.isBeingDeleted == true
        {
            return true
        }
        return false
    }
}
