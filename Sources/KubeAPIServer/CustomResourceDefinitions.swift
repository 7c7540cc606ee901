import Foundation
import KeywardCore

/// Turning CustomResourceDefinition objects into served resources, as apiextensions-apiserver does.
enum CustomResourceDefinitions {
    /// Defaults the real server fills into `spec`, and the status its controllers would write at once.
    static func normalize(_ crd: inout JSONValue, old: JSONValue?, now: Date) {
        var names = crd["spec"]?["names"] ?? .object([:])
        if let kind = names["kind"]?.stringValue {
            if names["singular"] == nil || names["singular"] == "" { names["singular"] = .string(kind.lowercased()) }
            if names["listKind"] == nil || names["listKind"] == "" { names["listKind"] = .string(kind + "List") }
        }
        if crd["spec"]?.objectValue != nil {
            crd.set(["spec", "names"], names)
            if crd["spec"]?["conversion"] == nil { crd.set(["spec", "conversion"], ["strategy": "None"]) }
        }
        let stamp = JSONValue.string(Timestamp.seconds(now))
        var status = old?["status"]?.objectValue ?? [:]
        let storage = (crd["spec"]?["versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]
        var stored = status["storedVersions"]?.arrayValue ?? []
        if let storage, !stored.contains(storage) { stored.append(storage) }
        status["storedVersions"] = .array(stored)
        status["acceptedNames"] = names
        if status["conditions"] == nil {
            status["conditions"] = [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": stamp, "reason": "NoConflicts",
                 "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": stamp, "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"],
            ]
        }
        crd["status"] = .object(status)
    }

    static func validate(_ crd: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd["spec"] ?? .null
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec["names"]?["plural"]?.stringValue ?? ""
        let kind = spec["names"]?["kind"]?.stringValue ?? ""
        if group.isEmpty { errors.append(FieldError(.required, "spec.group")) } else if !group.contains(".") {
            errors.append(FieldError(.invalid, "spec.group", value: .string(group), "should be a domain with at least one dot"))
        }
        if plural.isEmpty { errors.append(FieldError(.required, "spec.names.plural")) } else if !ObjectMeta.isDNSLabel(plural) {
            errors.append(FieldError(.invalid, "spec.names.plural", value: .string(plural), ObjectMeta.dnsLabelMessage(plural)))
        }
        if kind.isEmpty { errors.append(FieldError(.required, "spec.names.kind")) }
        if !plural.isEmpty && !group.isEmpty && crd.name != "\(plural).\(group)" {
            errors.append(FieldError(.invalid, "metadata.name", value: .string(crd.name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let scope = spec["scope"]?.stringValue ?? ""
        if scope != "Namespaced" && scope != "Cluster" {
            errors.append(scope.isEmpty ? FieldError(.required, "spec.scope")
                          : FieldError(.notSupported, "spec.scope", value: .string(scope), "supported values: \"Cluster\", \"Namespaced\""))
        }
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty { errors.append(FieldError(.invalid, "spec.versions", rendered: "[]", "must have exactly one version marked as storage version")) }
        let storageCount = versions.filter { $0["storage"]?.boolValue == true }.count
        if !versions.isEmpty && storageCount != 1 {
            errors.append(FieldError(.invalid, "spec.versions", rendered: "[]apiextensions.CustomResourceDefinitionVersion{...}",
                                     "must have exactly one version marked as storage version"))
        }
        for (i, v) in versions.enumerated() {
            let path = "spec.versions[\(i)]"
            if (v["name"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "\(path).name")) }
            if v["served"]?.boolValue == nil { errors.append(FieldError(.required, "\(path).served")) }
            if v["storage"]?.boolValue == nil { errors.append(FieldError(.required, "\(path).storage")) }
            if v["schema"]?["openAPIV3Schema"] == nil {
                errors.append(FieldError(.required, "\(path).schema.openAPIV3Schema", "schemas are required"))
            } else if v["schema"]?["openAPIV3Schema"]?["type"]?.stringValue != "object" {
                errors.append(FieldError(.required, "\(path).schema.openAPIV3Schema.type", "must not be empty at the root"))
            }
            for (j, column) in (v["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                let colPath = "\(path).additionalPrinterColumns[\(j)]"
                if (column["name"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "\(colPath).name")) }
                let type = column["type"]?.stringValue ?? ""
                if !["integer", "number", "string", "boolean", "date"].contains(type) {
                    errors.append(FieldError(.notSupported, "\(colPath).type", value: .string(type),
                                             "supported values: \"boolean\", \"date\", \"integer\", \"number\", \"string\""))
                }
                let jsonPath = column["jsonPath"]?.stringValue ?? ""
                if jsonPath.isEmpty { errors.append(FieldError(.required, "\(colPath).jsonPath")) } else if (try? JSONPathExpression(jsonPath)) == nil {
                    errors.append(FieldError(.invalid, "\(colPath).jsonPath", value: .string(jsonPath), "must be a simple json path"))
                }
            }
            if let schema = v["schema"]?["openAPIV3Schema"] { collectPatternErrors(schema, path: "\(path).schema.openAPIV3Schema", into: &errors) }
        }
        return errors
    }

    private static func collectPatternErrors(_ schema: JSONValue, path: String, into errors: inout [FieldError]) {
        guard let o = schema.objectValue else { return }
        if let p = o["pattern"]?.stringValue, (try? NSRegularExpression(pattern: p)) == nil {
            errors.append(FieldError(.invalid, "\(path).pattern", value: .string(p), "must be a valid regular expression"))
        }
        for (key, child) in o["properties"]?.objectValue ?? [:] {
            collectPatternErrors(child, path: "\(path).properties[\(key)]", into: &errors)
        }
        if let items = o["items"] { collectPatternErrors(items, path: "\(path).items", into: &errors) }
        if let ap = o["additionalProperties"] { collectPatternErrors(ap, path: "\(path).additionalProperties", into: &errors) }
    }

    /// The served resource a (valid) CRD describes.
    static func definition(from crd: JSONValue) -> ResourceDefinition? {
        guard let spec = crd["spec"], let group = spec["group"]?.stringValue,
              let plural = spec["names"]?["plural"]?.stringValue, let kind = spec["names"]?["kind"]?.stringValue
        else { return nil }
        let versions = spec["versions"]?.arrayValue ?? []
        let served = versions.filter { $0["served"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }
        guard let storage = versions.first(where: { $0["storage"]?.boolValue == true })?["name"]?.stringValue else { return nil }
        var def = ResourceDefinition(
            group: group, versions: KubeVersionOrder.sorted(served), storageVersion: storage, plural: plural,
            singular: spec["names"]?["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
            listKind: spec["names"]?["listKind"]?.stringValue ?? kind + "List",
            namespaced: spec["scope"]?.stringValue != "Cluster",
            shortNames: spec["names"]?["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            categories: spec["names"]?["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            behavior: .custom)
        for v in versions {
            guard let name = v["name"]?.stringValue else { continue }
            if v["subresources"]?["status"] != nil { def.statusSubresource = true }
            if let schema = v["schema"]?["openAPIV3Schema"] { def.schemas[name] = StructuralSchema(schema) }
            var columns: [PrinterColumn] = (v["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { c in
                guard let n = c["name"]?.stringValue, let p = c["jsonPath"]?.stringValue else { return nil }
                return PrinterColumn(
                    name: n, type: c["type"]?.stringValue ?? "string", format: c["format"]?.stringValue ?? "",
                    description: c["description"]?.stringValue ?? "Custom resource definition column (in JSONPath format): \(p)",
                    priority: Int(c["priority"]?.intValue ?? 0), jsonPath: try? JSONPathExpression(p))
            }
            if columns.isEmpty {
                columns = [PrinterColumn(name: "Age", type: "date",
                                         description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
                                         jsonPath: try? JSONPathExpression(".metadata.creationTimestamp"))]
            }
            def.printerColumns[name] = columns
            var selectable: [String: JSONPathExpression] = [:]
            for f in v["selectableFields"]?.arrayValue ?? [] {
                if let p = f["jsonPath"]?.stringValue, let expr = try? JSONPathExpression(p) {
                    selectable[p.hasPrefix(".") ? String(p.dropFirst()) : p] = expr
                }
            }
            def.selectableFields[name] = selectable
        }
        return def
    }
}

/// The write-time treatment of custom resources: pruning, defaulting, OpenAPI and CEL validation.
enum CustomResources {
    static func process(_ object: JSONValue, old: JSONValue?, def: ResourceDefinition, version: String,
                        skippedRule: (String) -> Void) -> (JSONValue, [FieldError])
    {
        guard let schema = def.schemas[version] else { return (object, []) }
        let processed = schema.pruneAndDefault(object, isRoot: true)
        var errors: [FieldError] = []
        var forValidation = processed
        forValidation["metadata"] = nil
        schema.validate(forValidation, path: "", into: &errors)
        if errors.isEmpty {
            var oldForRules = old
            oldForRules?["metadata"] = nil
            schema.validateRules(forValidation, old: oldForRules, path: "", into: &errors, skipped: skippedRule)
        }
        return (processed, errors)
    }
}
