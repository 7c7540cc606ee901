import KeywardCore

/// Discovery documents: legacy (`APIVersions`, `APIGroupList`, `APIResourceList`) and aggregated
/// (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`), built from what is registered right now so a CRD shows
/// up the moment it is created.
enum Discovery {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// Built-in groups first (in kube-apiserver's order), then CRD groups alphabetically.
    private static let builtinGroupOrder = ["apps", "events.k8s.io", "batch", "networking.k8s.io", "coordination.k8s.io",
                                                   "apiextensions.k8s.io"]

    static func groups(_ defs: [ResourceDefinition]) -> [(name: String, versions: [String])] {
        var versionsByGroup: [String: Set<String>] = [:]
        for def in defs where !def.group.isEmpty {
            versionsByGroup[def.group, default: []].formUnion(def.versions)
        }
        let names = versionsByGroup.keys.sorted { a, b in
            let ia = builtinGroupOrder.firstIndex(of: a) ?? Int.max, ib = builtinGroupOrder.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        return names.map { ($0, KubeVersionOrder.sorted(Array(versionsByGroup[$0]!))) }
    }

    static func apiVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    private static func groupJSON(_ name: String, _ versions: [String]) -> JSONValue {
        let list: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(list), "preferredVersion": list.first ?? .null]
    }

    static func groupList(_ defs: [ResourceDefinition]) -> JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups(defs).map { groupJSON($0.name, $0.versions) })]
    }

    static func group(_ name: String, _ defs: [ResourceDefinition]) -> JSONValue? {
        guard let g = groups(defs).first(where: { $0.name == name }) else { return nil }
        var json = groupJSON(g.name, g.versions)
        json["kind"] = "APIGroup"
        json["apiVersion"] = "v1"
        return json
    }

    static func resourceList(group: String, version: String, _ defs: [ResourceDefinition]) -> JSONValue? {
        let matching = defs.filter { $0.group == group && $0.versions.contains(version) }.sorted { $0.plural < $1.plural }
        guard !matching.isEmpty || (group.isEmpty && version == "v1") else { return nil }
        var resources: [JSONValue] = []
        for def in matching {
            var r: JSONObject = [
                "name": .string(def.plural), "singularName": .string(def.singular), "namespaced": .bool(def.namespaced),
                "kind": .string(def.kind), "verbs": .array(def.verbs.map(JSONValue.string)),
            ]
            if !def.shortNames.isEmpty { r["shortNames"] = .array(def.shortNames.map(JSONValue.string)) }
            if !def.categories.isEmpty { r["categories"] = .array(def.categories.map(JSONValue.string)) }
            resources.append(.object(r))
            if def.statusSubresource {
                resources.append(["name": .string("\(def.plural)/status"), "singularName": "", "namespaced": .bool(def.namespaced),
                                  "kind": .string(def.kind), "verbs": ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources)]
    }

    /// Aggregated discovery for `/api` (core only) or `/apis` (every named group).
    static func aggregated(core: Bool, _ defs: [ResourceDefinition]) -> JSONValue {
        let groupEntries: [(String, [String])] = core ? [("", ["v1"])] : groups(defs)
        let items: [JSONValue] = groupEntries.map { name, versions in
            let versionItems: [JSONValue] = versions.map { version in
                let resources: [JSONValue] = defs.filter { $0.group == name && $0.versions.contains(version) }
                    .sorted { $0.plural < $1.plural }.map { def in
                        let responseKind: JSONValue = ["group": .string(def.group), "version": .string(version), "kind": .string(def.kind)]
                        var r: JSONObject = [
                            "resource": .string(def.plural), "responseKind": responseKind,
                            "scope": .string(def.namespaced ? "Namespaced" : "Cluster"),
                            "singularResource": .string(def.singular), "verbs": .array(def.verbs.map(JSONValue.string)),
                        ]
                        if !def.shortNames.isEmpty { r["shortNames"] = .array(def.shortNames.map(JSONValue.string)) }
                        if !def.categories.isEmpty { r["categories"] = .array(def.categories.map(JSONValue.string)) }
                        if def.statusSubresource {
                            r["subresources"] = [["subresource": "status", "responseKind": responseKind, "verbs": ["get", "patch", "update"]]]
                        }
                        return .object(r)
                    }
                return ["version": .string(version), "resources": .array(resources), "freshness": "Current"]
            }
            return ["metadata": ["name": .string(name), "creationTimestamp": .null], "versions": .array(versionItems)]
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .object([:]),
                "items": .array(items)]
    }

    static func version() -> JSONValue {
        ["major": "1", "minor": "32", "gitVersion": "v1.32.0+keyward", "gitCommit": "0000000000000000000000000000000000000000",
         "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
         "platform": "linux/amd64"]
    }
}
