import KeywardCore

/// Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, what `kubectl apply` sends): fields a
/// custom resource's schema does not declare are an error, a warning, or silently pruned.
enum FieldValidation: String, Sendable {
    case strict = "Strict", warn = "Warn", ignore = "Ignore"

    init(query: String?) throws(APIStatusError) {
        guard let query, !query.isEmpty else { self = .warn; return }
        guard let value = FieldValidation(rawValue: query) else {
            throw .badRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\"; got \"\(query)\"")
        }
        self = value
    }

    /// The problems to report for `object` (a custom resource body) under `schema`.
    static func unknownFields(_ object: JSONValue, schema: StructuralSchema) -> [String] {
        var found: [String] = []
        schema.collectUnknownFields(object, path: "", isRoot: true, into: &found)
        return found.map { "unknown field \(FieldError.goQuote($0))" }
    }
}

extension StructuralSchema {
    /// Fields pruning would drop, as dotted paths (`spec.foo`, `spec.items[0].bar`).
    func collectUnknownFields(_ value: JSONValue, path: String, isRoot: Bool = false, into found: inout [String]) {
        func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch value {
        case .object(let object):
            for key in object.keys.sorted() {
                let child = object[key]!
                if isRoot || embeddedResource {
                    if key == "apiVersion" || key == "kind" { continue }
                    if key == "metadata" {
                        for metaKey in (child.objectValue ?? [:]).keys.sorted() where !ObjectMeta.knownFields.contains(metaKey) {
                            found.append("metadata.\(metaKey)")
                        }
                        continue
                    }
                }
                if let schema = properties[key] {
                    schema.collectUnknownFields(child, path: join(key), into: &found)
                } else if let schema = additionalProperties.first {
                    schema.collectUnknownFields(child, path: join(key), into: &found)
                } else if !keepsUnknownFields {
                    found.append(join(key))
                }
            }
        case .array(let items):
            guard let schema = self.items.first else { return }
            for (i, item) in items.enumerated() { schema.collectUnknownFields(item, path: "\(path)[\(i)]", into: &found) }
        default:
            break
        }
    }
}
