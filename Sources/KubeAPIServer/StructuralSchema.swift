import Foundation
import KeywardCore

/// A CRD's `openAPIV3Schema`, reduced to what the real server enforces on custom resources.
///
/// Recursion goes through arrays (`items`, `additionalProperties`, the combinators) so the type stays a plain
/// Sendable value.
struct StructuralSchema: Sendable, Equatable {
    var type: String?
    var properties: [String: StructuralSchema] = [:]
    var items: [StructuralSchema] = []
    /// A map's value schema (`additionalProperties: {...}`); `additionalProperties: true` keeps values unchecked.
    var additionalProperties: [StructuralSchema] = []
    var additionalPropertiesAllowed = false
    var required: [String] = []
    var enumValues: [JSONValue]?
    var pattern: String?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum = false
    var exclusiveMaximum = false
    var multipleOf: Double?
    var minLength: Int?
    var maxLength: Int?
    var minItems: Int?
    var maxItems: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var format: String?
    var nullable = false
    var defaultValue: JSONValue?
    var preserveUnknownFields = false
    var intOrString = false
    var embeddedResource = false
    var listType: String?
    var listMapKeys: [String] = []
    var allOf: [StructuralSchema] = []
    var anyOf: [StructuralSchema] = []
    var oneOf: [StructuralSchema] = []
    var not: [StructuralSchema] = []
    var rules: [ValidationRule] = []

    struct ValidationRule: Sendable, Equatable {
        var rule: String
        var message: String?
        var fieldPath: String?
        var reason: String?
    }

    init() {}

    init(_ json: JSONValue) {
        guard let o = json.objectValue else { return }
        type = o["type"]?.stringValue
        if let props = o["properties"]?.objectValue {
            properties = props.mapValues(StructuralSchema.init)
        }
        if let item = o["items"], item.objectValue != nil { items = [StructuralSchema(item)] }
        switch o["additionalProperties"] {
        case .object?: additionalProperties = [StructuralSchema(o["additionalProperties"]!)]
        case .bool(let b)?: additionalPropertiesAllowed = b
        default: break
        }
        required = o["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        enumValues = o["enum"]?.arrayValue
        pattern = o["pattern"]?.stringValue
        minimum = o["minimum"]?.doubleValue
        maximum = o["maximum"]?.doubleValue
        exclusiveMinimum = o["exclusiveMinimum"]?.boolValue ?? false
        exclusiveMaximum = o["exclusiveMaximum"]?.boolValue ?? false
        multipleOf = o["multipleOf"]?.doubleValue
        minLength = o["minLength"]?.intValue.map { Int($0) }
        maxLength = o["maxLength"]?.intValue.map { Int($0) }
        minItems = o["minItems"]?.intValue.map { Int($0) }
        maxItems = o["maxItems"]?.intValue.map { Int($0) }
        minProperties = o["minProperties"]?.intValue.map { Int($0) }
        maxProperties = o["maxProperties"]?.intValue.map { Int($0) }
        format = o["format"]?.stringValue
        nullable = o["nullable"]?.boolValue ?? false
        defaultValue = o["default"]
        preserveUnknownFields = o["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        intOrString = o["x-kubernetes-int-or-string"]?.boolValue ?? false
        embeddedResource = o["x-kubernetes-embedded-resource"]?.boolValue ?? false
        listType = o["x-kubernetes-list-type"]?.stringValue
        listMapKeys = o["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        allOf = o["allOf"]?.arrayValue?.map(StructuralSchema.init) ?? []
        anyOf = o["anyOf"]?.arrayValue?.map(StructuralSchema.init) ?? []
        oneOf = o["oneOf"]?.arrayValue?.map(StructuralSchema.init) ?? []
        if let n = o["not"], n.objectValue != nil { not = [StructuralSchema(n)] }
        rules = o["x-kubernetes-validations"]?.arrayValue?.compactMap { r in
            guard let rule = r["rule"]?.stringValue else { return nil }
            return ValidationRule(rule: rule, message: r["message"]?.stringValue, fieldPath: r["fieldPath"]?.stringValue,
                                  reason: r["reason"]?.stringValue)
        } ?? []
    }

    /// Whether unknown fields under this node survive pruning.
    var keepsUnknownFields: Bool { preserveUnknownFields || additionalPropertiesAllowed }
}

// MARK: - Pruning and defaulting

extension StructuralSchema {
    /// Drops fields the schema does not know (unless preserved), non-nullable nulls, and fills in defaults —
    /// the decode-time treatment every custom resource gets before validation.
    func pruneAndDefault(_ value: JSONValue, isRoot: Bool = false) -> JSONValue {
        switch value {
        case .object(var object):
            if isRoot || embeddedResource {
                // apiVersion, kind and metadata belong to the API machinery, not to the schema.
                let meta = object["metadata"]
                let apiVersion = object["apiVersion"], kind = object["kind"]
                object["metadata"] = nil; object["apiVersion"] = nil; object["kind"] = nil
                var result = pruneObject(object)
                if let meta { result["metadata"] = pruneMetadata(meta) }
                if let apiVersion { result["apiVersion"] = apiVersion }
                if let kind { result["kind"] = kind }
                return .object(result)
            }
            if type == nil && !intOrString && properties.isEmpty && additionalProperties.isEmpty
                && !preserveUnknownFields && !additionalPropertiesAllowed
            {
                // A typeless node with nothing declared: structural schemas only allow this with preserve.
                return .object(pruneObject(object))
            }
            return .object(pruneObject(object))
        case .array(let array):
            guard let itemSchema = items.first else { return preserveUnknownFields ? value : value }
            return .array(array.map { itemSchema.pruneAndDefault($0) })
        default:
            return value
        }
    }

    private func pruneObject(_ object: JSONObject) -> JSONObject {
        var result: JSONObject = [:]
        for (key, child) in object {
            if let propSchema = properties[key] {
                if child == .null && !propSchema.nullable {
                    continue  // Dropped; a default (below) may fill it back in.
                }
                result[key] = propSchema.pruneAndDefault(child)
            } else if let valueSchema = additionalProperties.first {
                if child == .null && !valueSchema.nullable { continue }
                result[key] = valueSchema.pruneAndDefault(child)
            } else if keepsUnknownFields {
                result[key] = child
            }
        }
        for (key, propSchema) in properties where result[key] == nil {
            if let def = propSchema.defaultValue { result[key] = propSchema.pruneAndDefault(def) }
        }
        return result
    }

    /// ObjectMeta keeps only the fields ObjectMeta has.
    private func pruneMetadata(_ meta: JSONValue) -> JSONValue {
        guard var o = meta.objectValue else { return meta }
        for key in o.keys where !ObjectMeta.knownFields.contains(key) { o[key] = nil }
        return .object(o)
    }
}

// MARK: - Validation

extension StructuralSchema {
    /// OpenAPI validation with Kubernetes' error wording. `path` is the field path of `value` (empty at the root).
    func validate(_ value: JSONValue, path: String, into errors: inout [FieldError]) {
        let name = path.isEmpty ? "body" : path
        if value == .null {
            if !nullable && !(path.isEmpty) {
                errors.append(FieldError(.invalid, path, rendered: "\"null\"",
                                         "\(name) in body must be of type \(type ?? "object"): \"null\""))
            }
            return
        }
        if !typeMatches(value) {
            errors.append(FieldError(.invalid, path, rendered: FieldError.goQuote(value.typeName),
                                     "\(name) in body must be of type \(type ?? ""): \(FieldError.goQuote(value.typeName))"))
            return
        }
        if let enumValues, !enumValues.contains(where: { jsonEqual($0, value) }) {
            let supported = enumValues.map(FieldError.render).joined(separator: ", ")
            errors.append(FieldError(.notSupported, path, value: value, "supported values: \(supported)"))
        }
        switch value {
        case .string(let s): validateString(s, value: value, path: path, name: name, into: &errors)
        case .int, .double: validateNumber(value.doubleValue ?? 0, value: value, path: path, name: name, into: &errors)
        case .array(let a): validateArray(a, value: value, path: path, name: name, into: &errors)
        case .object(let o): validateObject(o, value: value, path: path, name: name, into: &errors)
        default: break
        }
        validateCombinators(value, path: path, name: name, into: &errors)
    }

    private func typeMatches(_ value: JSONValue) -> Bool {
        if intOrString { if case .string = value { return true }; if value.intValue != nil { return true }; return false }
        guard let type else { return true }
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .int),
             ("number", .double), ("integer", .int):
            return true
        case ("integer", .double(let d)): return d == d.rounded()
        default: return false
        }
    }

    private func validateString(_ s: String, value: JSONValue, path: String, name: String, into errors: inout [FieldError]) {
        let length = s.unicodeScalars.count
        if let maxLength, length > maxLength {
            errors.append(FieldError(.tooLong, path, value: value, "may not be more than \(maxLength) bytes"))
        }
        if let minLength, length < minLength {
            errors.append(FieldError(.invalid, path, value: value, "\(name) in body should be at least \(minLength) chars long"))
        }
        if let pattern, !RegexCache.shared.matches(pattern, s) {
            errors.append(FieldError(.invalid, path, value: value, "\(name) in body should match '\(pattern)'"))
        }
        if let format, !intOrString, !FormatChecker.isValid(s, format: format) {
            errors.append(FieldError(.invalid, path, value: value, "\(name) in body must be of type \(format): \(FieldError.goQuote(s))"))
        }
    }

    private func validateNumber(_ d: Double, value: JSONValue, path: String, name: String, into errors: inout [FieldError]) {
        if let minimum {
            if exclusiveMinimum ? d <= minimum : d < minimum {
                let bound = FieldError.render(.double(minimum))
                errors.append(FieldError(.invalid, path, value: value,
                    "\(name) in body should be greater than \(exclusiveMinimum ? "" : "or equal to ")\(bound)"))
            }
        }
        if let maximum {
            if exclusiveMaximum ? d >= maximum : d > maximum {
                let bound = FieldError.render(.double(maximum))
                errors.append(FieldError(.invalid, path, value: value,
                    "\(name) in body should be less than \(exclusiveMaximum ? "" : "or equal to ")\(bound)"))
            }
        }
        if let multipleOf, multipleOf != 0, (d / multipleOf).rounded() != d / multipleOf {
            errors.append(FieldError(.invalid, path, value: value,
                "\(name) in body should be a multiple of \(FieldError.render(.double(multipleOf)))"))
        }
    }

    private func validateArray(_ a: [JSONValue], value: JSONValue, path: String, name: String, into errors: inout [FieldError]) {
        if let maxItems, a.count > maxItems {
            errors.append(FieldError(.tooMany, path, rendered: String(a.count), "must have at most \(maxItems) items"))
        }
        if let minItems, a.count < minItems {
            errors.append(FieldError(.invalid, path, rendered: String(a.count), "\(name) in body should have at least \(minItems) items"))
        }
        if let itemSchema = items.first {
            for (i, item) in a.enumerated() { itemSchema.validate(item, path: "\(path)[\(i)]", into: &errors) }
        }
        switch listType {
        case "set":
            var seen: [JSONValue] = []
            for (i, item) in a.enumerated() {
                if seen.contains(where: { jsonEqual($0, item) }) {
                    errors.append(FieldError(.duplicate, "\(path)[\(i)]", value: item))
                } else { seen.append(item) }
            }
        case "map" where !listMapKeys.isEmpty:
            var seen: Set<[JSONValue]> = []
            for (i, item) in a.enumerated() {
                let key = listMapKeys.map { item[$0] ?? .null }
                if !seen.insert(key).inserted {
                    let rendered = "map[string]interface {}{" + zip(listMapKeys, key).map { "\"\($0)\":\($1.jsonString)" }.joined(separator: ", ") + "}"
                    errors.append(FieldError(.duplicate, "\(path)[\(i)]", rendered: rendered))
                }
            }
        default: break
        }
    }

    private func validateObject(_ o: JSONObject, value: JSONValue, path: String, name: String, into errors: inout [FieldError]) {
        for key in required where o[key] == nil {
            errors.append(FieldError(.required, join(path, key)))
        }
        if let maxProperties, o.count > maxProperties {
            errors.append(FieldError(.tooMany, path, rendered: String(o.count), "must have at most \(maxProperties) items"))
        }
        if let minProperties, o.count < minProperties {
            errors.append(FieldError(.invalid, path, rendered: String(o.count), "\(name) in body should have at least \(minProperties) properties"))
        }
        for key in o.keys.sorted() {
            let child = o[key]!
            if (path.isEmpty || embeddedResource) && ["apiVersion", "kind", "metadata"].contains(key) && properties[key] == nil { continue }
            if let propSchema = properties[key] {
                propSchema.validate(child, path: join(path, key), into: &errors)
            } else if let valueSchema = additionalProperties.first {
                valueSchema.validate(child, path: join(path, key), into: &errors)
            }
        }
    }

    private func validateCombinators(_ value: JSONValue, path: String, name: String, into errors: inout [FieldError]) {
        func passes(_ s: StructuralSchema) -> Bool {
            var e: [FieldError] = []
            s.validate(value, path: path, into: &e)
            return e.isEmpty
        }
        let rendered = FieldError.goQuote(value.typeName)
        for s in allOf {
            var e: [FieldError] = []
            s.validate(value, path: path, into: &e)
            errors.append(contentsOf: e)
        }
        if !anyOf.isEmpty && !anyOf.contains(where: passes) {
            errors.append(FieldError(.invalid, path, rendered: rendered, "\(name) in body must validate at least one schema (anyOf)"))
        }
        if !oneOf.isEmpty && oneOf.filter(passes).count != 1 {
            errors.append(FieldError(.invalid, path, rendered: rendered, "\(name) in body must validate one and only one schema (oneOf)"))
        }
        if let n = not.first, passes(n) {
            errors.append(FieldError(.invalid, path, rendered: rendered, "\(name) in body must not validate the schema (not)"))
        }
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// JSON equality where 1 and 1.0 are the same number (as in Go's decoded JSON).
func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.int, .double), (.double, .int): return a.doubleValue == b.doubleValue
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(jsonEqual)
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, v in y[key].map { jsonEqual(v, $0) } ?? false }
    default: return a == b
    }
}

/// Compiled `pattern`s, shared because CRD validation runs on every write.
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var cache: [String: NSRegularExpression?] = [:]

    func matches(_ pattern: String, _ s: String) -> Bool {
        lock.lock()
        let cached = cache[pattern]
        lock.unlock()
        let regex: NSRegularExpression?
        if let cached { regex = cached } else {
            regex = try? NSRegularExpression(pattern: pattern)
            lock.lock(); cache[pattern] = regex; lock.unlock()
        }
        guard let regex else { return true }  // An uncompilable pattern was already rejected for the CRD.
        return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}

/// The OpenAPI `format`s Kubernetes checks; unknown formats pass, as they do in the real server.
enum FormatChecker {
    static func isValid(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time", "datetime": return Timestamp.parse(s) != nil
        case "date": return RegexCache.shared.matches(#"^\d{4}-\d{2}-\d{2}$"#, s)
        case "byte": return Data(base64Encoded: s) != nil
        case "uuid": return UUID(uuidString: s) != nil
        case "int32", "int64", "int-or-string", "double", "float", "password": return true
        case "ipv4": return IPAddressCheck.isIPv4(s)
        case "ipv6": return s.contains(":") && !s.contains(" ")
        case "hostname":
            return RegexCache.shared.matches(#"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#, s) && s.count <= 253
        case "email": return RegexCache.shared.matches(#"^[^@\s]+@[^@\s]+$"#, s)
        case "uri": return URL(string: s)?.scheme != nil
        case "duration": return (try? GoDuration(parsing: s)) != nil
        default: return true
        }
    }
}

enum IPAddressCheck {
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && Int(p)! <= 255
        }
    }
}
