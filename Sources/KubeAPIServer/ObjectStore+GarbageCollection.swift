import Foundation
import KeywardCore

/// The controllers a real control plane runs next to the API server, reduced to what clients observe:
/// the garbage collector (ownerReferences, orphan and foreground deletion), the namespace controller and the CRD
/// cleanup controller.
extension ObjectStore {
    /// Runs the collector to a fixed point before the current write returns, so what a client reads next is
    /// already collected (the real collector is asynchronous; an instantaneous one keeps tests deterministic while
    /// producing the same sequence of changes and watch events).
    func scheduleGarbageCollection() {
        guard !gcScheduled else { return }  // Already running further up this call stack; it repeats until stable.
        gcScheduled = true
        collectGarbage()
    }

    func collectGarbage() {
        defer { gcScheduled = false }
        for _ in 0..<1000 {
            if !collectionPass() { return }
        }
    }

    func ownerExists(_ uid: String, dependentNamespace: String?) -> Bool {
        guard let location = uidIndex[uid], let def = definitions[location.key] else { return false }
        if def.namespaced {
            // A namespaced owner only counts for dependents in the same namespace.
            return location.objectKey.hasPrefix((dependentNamespace ?? "") + "/") && dependentNamespace != nil
        }
        return true
    }

    private func dependents(of uid: String) -> [(def: ResourceDefinition, key: String, object: JSONValue)] {
        var result: [(ResourceDefinition, String, JSONValue)] = []
        for (defKey, objs) in objects {
            guard let def = definitions[defKey] ?? BuiltinResources.all.first(where: { $0.key == defKey }) else { continue }
            for (key, object) in objs where ObjectMeta.ownerUIDs(object).contains(uid) {
                result.append((def, key, object))
            }
        }
        return result
    }

    /// Marks an object deleted on the collector's behalf (Background propagation, honouring its finalizers).
    private func collect(_ def: ResourceDefinition, key: String, object: JSONValue) {
        guard !object.isBeingDeleted else { return }
        if ObjectMeta.finalizers(object).isEmpty && def.behavior != .customResourceDefinition && def.behavior != .namespace {
            let deleted = commit(.deleted, def: def, objectKey: key, object: object, previous: object)
            if def.behavior == .customResourceDefinition { afterDelete(def: def, deleted: deleted) }
        } else {
            var marked = object
            marked.set(["metadata", "deletionTimestamp"], .string(Timestamp.seconds(now)))
            marked.set(["metadata", "deletionGracePeriodSeconds"], 0)
            if def.behavior == .customResourceDefinition {
                var f = ObjectMeta.finalizers(object)
                if !f.contains(Self.crdCleanupFinalizer) { f.append(Self.crdCleanupFinalizer) }
                marked.set(["metadata", "finalizers"], .array(f.map(JSONValue.string)))
            }
            if def.behavior == .namespace { marked.set(["status", "phase"], "Terminating") }
            if def.tracksGeneration {
                marked.set(["metadata", "generation"], .int((object["metadata"]?["generation"]?.intValue ?? 1) + 1))
            }
            commit(.modified, def: def, objectKey: key, object: marked, previous: object)
        }
    }

    /// Removes `finalizer`; the object goes away when it was the last one.
    private func removeFinalizer(_ finalizer: String, def: ResourceDefinition, key: String, object: JSONValue) {
        var updated = object
        let remaining = ObjectMeta.finalizers(object).filter { $0 != finalizer }
        updated.set(["metadata", "finalizers"], remaining.isEmpty ? nil : .array(remaining.map(JSONValue.string)))
        let stored = commit(.modified, def: def, objectKey: key, object: updated, previous: object)
        if remaining.isEmpty && stored.isBeingDeleted && def.behavior != .namespace {
            let deleted = commit(.deleted, def: def, objectKey: key, object: stored, previous: stored)
            afterDeleteWithoutScheduling(def: def, deleted: deleted)
        }
    }

    private func afterDeleteWithoutScheduling(def: ResourceDefinition, deleted: JSONValue) {
        if def.behavior == .customResourceDefinition, let served = CustomResourceDefinitions.definition(from: deleted) {
            definitions[served.key] = nil
            objects[served.key] = nil
        }
    }

    /// One sweep; returns whether anything changed (the caller repeats until stable).
    private func collectionPass() -> Bool {
        for (defKey, objs) in objects {
            guard let def = definitions[defKey] else { continue }
            for (key, object) in objs.sorted(by: { $0.key < $1.key }) {
                guard objects[defKey]?[key] == object else { continue }  // changed earlier in this pass
                if object.isBeingDeleted {
                    let finalizers = ObjectMeta.finalizers(object)
                    if finalizers.contains(Self.orphanFinalizer) {
                        for d in dependents(of: object.uid) {
                            var updated = d.object
                            let refs = (d.object["metadata"]?["ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != object.uid }
                            updated.set(["metadata", "ownerReferences"], refs.isEmpty ? nil : .array(refs))
                            commit(.modified, def: d.def, objectKey: d.key, object: updated, previous: d.object)
                        }
                        removeFinalizer(Self.orphanFinalizer, def: def, key: key, object: object)
                        return true
                    }
                    if finalizers.contains(Self.foregroundFinalizer) {
                        let deps = dependents(of: object.uid)
                        if deps.isEmpty {
                            removeFinalizer(Self.foregroundFinalizer, def: def, key: key, object: object)
                            return true
                        }
                        var changed = false
                        for d in deps where !d.object.isBeingDeleted {
                            collect(d.def, key: d.key, object: d.object)
                            changed = true
                        }
                        if changed { return true }
                    }
                    if def.behavior == .namespace, let ns = object["metadata"]?["name"]?.stringValue {
                        if namespaceTerminationStep(ns, key: key, object: object, def: def) { return true }
                    }
                    if def.behavior == .customResourceDefinition, finalizers.contains(Self.crdCleanupFinalizer),
                       let served = CustomResourceDefinitions.definition(from: object)
                    {
                        let remaining = objects[served.key] ?? [:]
                        if remaining.isEmpty {
                            removeFinalizer(Self.crdCleanupFinalizer, def: def, key: key, object: object)
                            return true
                        }
                        var changed = false
                        for (k, o) in remaining.sorted(by: { $0.key < $1.key }) where !o.isBeingDeleted {
                            if let servedDef = definitions[served.key] { collect(servedDef, key: k, object: o); changed = true }
                        }
                        if changed { return true }
                    }
                    continue
                }
                let owners = ObjectMeta.ownerUIDs(object)
                if !owners.isEmpty && !owners.contains(where: { ownerExists($0, dependentNamespace: object.namespace) }) {
                    collect(def, key: key, object: object)
                    return true
                }
            }
        }
        return false
    }

    /// The namespace controller: delete everything inside, then the namespace itself.
    private func namespaceTerminationStep(_ ns: String, key: String, object: JSONValue, def: ResourceDefinition) -> Bool {
        var changed = false
        var remaining = 0
        for (defKey, objs) in objects {
            guard let contentDef = definitions[defKey], contentDef.namespaced else { continue }
            for (k, o) in objs.sorted(by: { $0.key < $1.key }) where k.hasPrefix(ns + "/") {
                remaining += 1
                if !o.isBeingDeleted { collect(contentDef, key: k, object: o); changed = true }
            }
        }
        if remaining == 0 && ObjectMeta.finalizers(object).isEmpty {
            commit(.deleted, def: def, objectKey: key, object: object, previous: object)
            return true
        }
        return changed
    }

    // MARK: Rollout simulation

    /// Plays the apps/v1 controller: first "observed, nothing updated yet", then (after the delay) "all ready".
    func simulateRollout(def: ResourceDefinition, object: JSONValue) {
        guard rollout != .off, !object.isBeingDeleted else { return }
        let key = Self.objectKey(namespace: object.namespace, name: object.name)
        let generation = object["metadata"]?["generation"]?.intValue ?? 1
        let uid = object.uid
        let delay: Duration? = if case .after(let d) = rollout { d } else { nil }
        let clock = self.clock
        spawn { [weak self] in
            await Task.yield()
            await self?.setRolloutStatus(def: def, key: key, uid: uid, generation: generation, complete: false)
            guard let delay else { return }
            // The injected clock, so tests drive rollouts with ManualClock.advance instead of waiting.
            do { try await clock.sleep(for: delay) } catch { return }
            await self?.setRolloutStatus(def: def, key: key, uid: uid, generation: generation, complete: true)
        }
    }

    private func setRolloutStatus(def: ResourceDefinition, key: String, uid: String, generation: Int64, complete: Bool) {
        guard let current = objects[def.key]?[key], current.uid == uid,
              current["metadata"]?["generation"]?.intValue == generation
        else { return }
        var updated = current
        updated["status"] = RolloutStatus.status(for: current, behavior: def.behavior, complete: complete,
                                                 timestamp: Timestamp.seconds(now))
        if updated != current { commit(.modified, def: def, objectKey: key, object: updated, previous: current) }
    }
}

/// The status fields `kubectl rollout status` and controllers read, as the apps/v1 controllers write them.
enum RolloutStatus {
    static func status(for object: JSONValue, behavior: ResourceBehavior, complete: Bool, timestamp: String) -> JSONValue {
        let generation = JSONValue.int(object["metadata"]?["generation"]?.intValue ?? 1)
        let replicas = JSONValue.int(object["spec"]?["replicas"]?.intValue ?? 1)
        let zero: JSONValue = 0
        var status = object["status"]?.objectValue ?? [:]
        status["observedGeneration"] = generation
        switch behavior {
        case .deployment:
            status["replicas"] = replicas
            status["updatedReplicas"] = complete ? replicas : zero
            status["readyReplicas"] = complete ? replicas : (status["readyReplicas"] ?? zero)
            status["availableReplicas"] = complete ? replicas : (status["availableReplicas"] ?? zero)
            if complete { status["unavailableReplicas"] = nil } else { status["unavailableReplicas"] = replicas }
            let rsName = "\(object.name)-\(templateHash(object))"
            status["conditions"] = [
                ["type": "Available", "status": complete ? "True" : "False",
                 "reason": complete ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                 "message": complete ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                 "lastUpdateTime": .string(timestamp), "lastTransitionTime": .string(timestamp)],
                ["type": "Progressing", "status": "True",
                 "reason": complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                 "message": .string(complete ? "ReplicaSet \"\(rsName)\" has successfully progressed."
                                    : "ReplicaSet \"\(rsName)\" is progressing."),
                 "lastUpdateTime": .string(timestamp), "lastTransitionTime": .string(timestamp)],
            ]
        case .statefulSet:
            let revision = JSONValue.string("\(object.name)-\(templateHash(object))")
            status["replicas"] = replicas
            status["updatedReplicas"] = complete ? replicas : zero
            status["readyReplicas"] = complete ? replicas : (status["readyReplicas"] ?? zero)
            status["availableReplicas"] = complete ? replicas : (status["availableReplicas"] ?? zero)
            status["currentReplicas"] = complete ? replicas : (status["currentReplicas"] ?? zero)
            status["updateRevision"] = revision
            if complete || status["currentRevision"] == nil && !complete {
                status["currentRevision"] = complete ? revision : .string("\(object.name)-pending")
            }
        case .daemonSet:
            let one: JSONValue = 1
            status["desiredNumberScheduled"] = one
            status["currentNumberScheduled"] = one
            status["numberMisscheduled"] = zero
            status["updatedNumberScheduled"] = complete ? one : zero
            status["numberReady"] = complete ? one : zero
            status["numberAvailable"] = complete ? one : zero
            if complete { status["numberUnavailable"] = nil } else { status["numberUnavailable"] = one }
        default: break
        }
        return .object(status)
    }

    /// A stable 10-character hash of the pod template (the real controllers' pod-template-hash stand-in).
    static func templateHash(_ object: JSONValue) -> String {
        let bytes = (object["spec"]?["template"] ?? .null).serialized()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var out = ""
        for _ in 0..<10 { out.append(alphabet[Int(hash % UInt64(alphabet.count))]); hash /= UInt64(alphabet.count) }
        return out
    }
}
