import Foundation
import KeywardCore

/// A minimal OpenAPI v3 (`/openapi/v3`): one document per group-version listing each resource's paths and
/// operations with `x-kubernetes-group-version-kind` and the query parameters the server honours.
///
/// That is what `kubectl apply` checks before it sends `fieldValidation=Strict` (so its default validation works
/// without `--validate=false`). Strategic merge patch is deliberately not advertised: kubectl would then compute
/// patches from OpenAPI schemas, which these documents do not carry; it falls back to its compiled-in types.
enum OpenAPIDocuments {
    static func groupVersions(_ defs: [ResourceDefinition]) -> [String] {
        var result: Set<String> = []
        for def in defs {
            for version in def.versions { result.insert(def.group.isEmpty ? "api/\(version)" : "apis/\(def.group)/\(version)") }
        }
        return result.sorted()
    }

    static func root(_ defs: [ResourceDefinition]) -> JSONValue {
        var paths: JSONObject = [:]
        for gv in groupVersions(defs) {
            let hash = groupVersion(gv, defs).map { fnv1a($0.serialized()) } ?? "0"
            paths[gv] = ["serverRelativeURL": .string("/openapi/v3/\(gv)?hash=\(hash)")]
        }
        return ["paths": .object(paths)]
    }

    /// The document for `api/v1` or `apis/{group}/{version}`; nil when nothing is served there.
    static func groupVersion(_ path: String, _ defs: [ResourceDefinition]) -> JSONValue? {
        let parts = path.split(separator: "/").map(String.init)
        let group: String, version: String
        switch (parts.first, parts.count) {
        case ("api", 2): (group, version) = ("", parts[1])
        case ("apis", 3): (group, version) = (parts[1], parts[2])
        default: return nil
        }
        let served = defs.filter { $0.group == group && $0.versions.contains(version) }.sorted { $0.plural < $1.plural }
        guard !served.isEmpty else { return nil }
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        var paths: JSONObject = [:]
        for def in served {
            let gvk: JSONValue = ["group": .string(group), "version": .string(version), "kind": .string(def.kind)]
            let base = def.namespaced ? "\(prefix)/namespaces/{namespace}/\(def.plural)" : "\(prefix)/\(def.plural)"
            paths[base] = [
                "get": operation("list", gvk, parameters: readParameters),
                "post": operation("post", gvk, parameters: writeParameters),
                "delete": operation("deletecollection", gvk, parameters: writeParameters),
            ]
            paths["\(base)/{name}"] = [
                "get": operation("get", gvk, parameters: []),
                "put": operation("put", gvk, parameters: writeParameters),
                "patch": patchOperation(gvk),
                "delete": operation("delete", gvk, parameters: writeParameters),
            ]
            if def.statusSubresource {
                paths["\(base)/{name}/status"] = [
                    "get": operation("get", gvk, parameters: []),
                    "put": operation("put", gvk, parameters: writeParameters),
                    "patch": patchOperation(gvk),
                ]
            }
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": Discovery.version()["gitVersion"] ?? ""],
                "paths": .object(paths), "components": ["schemas": .object([:])]]
    }

    private static func parameter(_ name: String) -> JSONValue {
        ["name": .string(name), "in": "query", "schema": ["type": "string", "uniqueItems": true]]
    }

    private static let readParameters: [JSONValue] = ["labelSelector", "fieldSelector", "limit", "continue",
                                                      "resourceVersion", "watch", "allowWatchBookmarks",
                                                      "timeoutSeconds"].map(parameter)
    private static let writeParameters: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation"].map(parameter)

    private static func operation(_ action: String, _ gvk: JSONValue, parameters: [JSONValue]) -> JSONValue {
        ["x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk,
         "parameters": .array(parameters), "responses": ["200": ["description": "OK"]]]
    }

    private static func patchOperation(_ gvk: JSONValue) -> JSONValue {
        var op = operation("patch", gvk, parameters: writeParameters + [parameter("force")])
        op["requestBody"] = ["content": [
            "application/json-patch+json": ["schema": ["type": "object"]],
            "application/merge-patch+json": ["schema": ["type": "object"]],
            "application/apply-patch+yaml": ["schema": ["type": "object"]],
        ]]
        return op
    }

    private static func fnv1a(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "%016llX", hash)
    }
}
