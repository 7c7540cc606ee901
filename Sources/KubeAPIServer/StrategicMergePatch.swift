import KeywardCore

/// Strategic merge patch for built-in kinds, approximated without Go struct tags: objects merge like a JSON merge
/// patch, lists of objects merge by the patch-merge keys the built-in types declare (containers by `name`, ports
/// by `containerPort`, …), and the `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList`
/// directives kubectl sends are honoured. Lists without a known key are replaced, as for atomic lists.
enum StrategicMergePatch {
    /// Field name → merge key, for the list fields the supported built-in types mark `patchStrategy:"merge"`.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
        "env": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath", "ports": "containerPort",
        "imagePullSecrets": "name", "conditions": "type", "ownerReferences": "uid", "hostAliases": "ip",
        "tolerations": "key", "secrets": "name", "versions": "name", "topologySpreadConstraints": "topologyKey",
    ]
    /// Primitive lists merged as sets.
    static let mergedPrimitiveLists: Set<String> = ["finalizers"]

    static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" {
            var replaced = p
            replaced["$patch"] = nil
            return strip(.object(replaced))
        }
        if p["$patch"]?.stringValue == "delete" { return .null }
        var result = target.objectValue ?? [:]
        if let retain = p["$retainKeys"]?.arrayValue?.compactMap(\.stringValue) {
            for key in result.keys where !retain.contains(key) { result[key] = nil }
        }
        for (key, value) in p {
            if key.hasPrefix("$setElementOrder/") || key == "$retainKeys" || key == "$patch" { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let remove = value.arrayValue ?? []
                if let list = result[field]?.arrayValue { result[field] = .array(list.filter { !remove.contains($0) }) }
                continue
            }
            if value == .null { result[key] = nil; continue }
            let existing = result[key]
            switch value {
            case .object:
                let merged = apply(value, to: existing ?? .object([:]))
                if merged == .null { result[key] = nil } else { result[key] = merged }
            case .array(let items):
                if let mergeKey = mergeKeys[key], let current = existing?.arrayValue,
                   items.allSatisfy({ $0.objectValue != nil })
                {
                    result[key] = .array(mergeList(current, items, by: mergeKey, order: p["$setElementOrder/\(key)"]?.arrayValue))
                } else if mergedPrimitiveLists.contains(key), let current = existing?.arrayValue {
                    var merged = current
                    for item in items where !merged.contains(item) { merged.append(item) }
                    result[key] = .array(merged)
                } else {
                    result[key] = strip(value)
                }
            default:
                result[key] = value
            }
        }
        return .object(result)
    }

    private static func mergeList(_ current: [JSONValue], _ patch: [JSONValue], by key: String, order: [JSONValue]?) -> [JSONValue] {
        var result = current
        for item in patch {
            let id = item[key]
            if item["$patch"]?.stringValue == "delete" {
                result.removeAll { $0[key] == id }
                continue
            }
            if let index = result.firstIndex(where: { $0[key] == id && id != nil }) {
                result[index] = apply(item, to: result[index])
            } else {
                result.append(strip(item))
            }
        }
        if let order {
            let ids = order.compactMap { $0[key] }
            result.sort { a, b in
                (ids.firstIndex(of: a[key] ?? .null) ?? Int.max) < (ids.firstIndex(of: b[key] ?? .null) ?? Int.max)
            }
        }
        return result
    }

    /// Removes directives from values that are inserted wholesale.
    private static func strip(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var out: JSONObject = [:]
            for (k, v) in o where !k.hasPrefix("$") { out[k] = strip(v) }
            return .object(out)
        case .array(let a): return .array(a.map(strip))
        default: return value
        }
    }
}
