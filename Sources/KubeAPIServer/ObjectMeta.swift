import Foundation
import KeywardCore

/// Rules for `metadata` shared by every kind: names, labels, annotations, finalizers, owner references.
enum ObjectMeta {
    static let knownFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// The alphabet `generateName` suffixes use (no vowels, no confusable digits), five characters long.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    private static let dnsLabel = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#
    private static let dnsSubdomain = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#
    private static let qualifiedNamePart = #"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"#

    static func isDNSSubdomain(_ s: String) -> Bool { s.count <= 253 && RegexCache.shared.matches(dnsSubdomain, s) }
    static func isDNSLabel(_ s: String) -> Bool { s.count <= 63 && RegexCache.shared.matches(dnsLabel, s) }

    static func dnsSubdomainMessage(_ s: String) -> String {
        if s.count > 253 { return "must be no more than 253 characters" }
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    }

    static func dnsLabelMessage(_ s: String) -> String {
        if s.count > 63 { return "must be no more than 63 characters" }
        return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    }

    /// `[prefix/]name` as label and annotation keys are written.
    static func qualifiedNameProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1: name = parts[0]
        case 2:
            if parts[0].isEmpty { return "prefix part must be non-empty" }
            if !isDNSSubdomain(String(parts[0])) { return "prefix part \(dnsSubdomainMessage(String(parts[0])))" }
            name = parts[1]
        default:
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
        if name.isEmpty { return "name part must be non-empty" }
        if name.count > 63 { return "name part must be no more than 63 characters" }
        if !RegexCache.shared.matches(qualifiedNamePart, String(name)) {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        }
        return nil
    }

    static func labelValueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.count > 63 { return "must be no more than 63 characters" }
        if !RegexCache.shared.matches(qualifiedNamePart, value) {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        }
        return nil
    }

    /// Structural checks on metadata every kind gets (name format is checked by the caller, per kind).
    static func validate(_ meta: JSONValue?, into errors: inout [FieldError]) {
        guard let meta else { return }
        if let labels = meta["labels"] {
            guard let o = labels.objectValue else {
                errors.append(FieldError(.invalid, "metadata.labels", value: labels, "must be an object"))
                return
            }
            for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                if let p = qualifiedNameProblem(key) {
                    errors.append(FieldError(.invalid, "metadata.labels", value: .string(key), p))
                }
                guard let s = value.stringValue else {
                    errors.append(FieldError(.invalid, "metadata.labels", value: value, "label values must be strings"))
                    continue
                }
                if let p = labelValueProblem(s) {
                    errors.append(FieldError(.invalid, "metadata.labels", value: value, p))
                }
            }
        }
        if let annotations = meta["annotations"] {
            guard let o = annotations.objectValue else {
                errors.append(FieldError(.invalid, "metadata.annotations", value: annotations, "must be an object"))
                return
            }
            var total = 0
            for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                if let p = qualifiedNameProblem(key.lowercased()) {
                    errors.append(FieldError(.invalid, "metadata.annotations", value: .string(key), p))
                }
                if value.stringValue == nil {
                    errors.append(FieldError(.invalid, "metadata.annotations[\(key)]", value: value, "annotation values must be strings"))
                }
                total += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
            }
            if total > 256 * 1024 {
                errors.append(FieldError(.tooLong, "metadata.annotations", "must have at most 262144 bytes"))
            }
        }
        if let finalizers = meta["finalizers"] {
            if let list = finalizers.arrayValue {
                for (i, f) in list.enumerated() {
                    guard let s = f.stringValue else {
                        errors.append(FieldError(.invalid, "metadata.finalizers[\(i)]", value: f, "must be a string"))
                        continue
                    }
                    if let p = qualifiedNameProblem(s) {
                        errors.append(FieldError(.invalid, "metadata.finalizers[\(i)]", value: f, p))
                    }
                }
            } else {
                errors.append(FieldError(.invalid, "metadata.finalizers", value: finalizers, "must be a list of strings"))
            }
        }
        if let refs = meta["ownerReferences"] {
            guard let list = refs.arrayValue else {
                errors.append(FieldError(.invalid, "metadata.ownerReferences", value: refs, "must be a list"))
                return
            }
            var controllers = 0
            for (i, ref) in list.enumerated() {
                let path = "metadata.ownerReferences[\(i)]"
                for field in ["apiVersion", "kind", "name", "uid"] where (ref[field]?.stringValue ?? "").isEmpty {
                    errors.append(FieldError(.invalid, "\(path).\(field)", value: .string(""), "\(field) must not be empty"))
                }
                if ref["controller"]?.boolValue == true { controllers += 1 }
            }
            if controllers > 1 {
                errors.append(FieldError(.invalid, "metadata.ownerReferences", rendered: "[]v1.OwnerReference{...}",
                                         "Only one reference can have Controller set to true"))
            }
        }
    }

    static func finalizers(_ object: JSONValue) -> [String] {
        object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func ownerUIDs(_ object: JSONValue) -> [String] {
        object["metadata"]?["ownerReferences"]?.arrayValue?.compactMap { $0["uid"]?.stringValue } ?? []
    }
}

extension JSONValue {
    /// Sets `self[a][b]...` creating intermediate objects.
    mutating func set(_ path: [String], _ value: JSONValue?) {
        guard let first = path.first else { if let value { self = value }; return }
        guard case .object(var o) = self else { return }
        if path.count == 1 {
            o[first] = value
        } else {
            var child = o[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.set(Array(path.dropFirst()), value)
            o[first] = child
        }
        self = .object(o)
    }

    var metadata: JSONValue { self["metadata"] ?? .object([:]) }
    var name: String { self["metadata"]?["name"]?.stringValue ?? "" }
    var namespace: String? { self["metadata"]?["namespace"]?.stringValue }
    var uid: String { self["metadata"]?["uid"]?.stringValue ?? "" }
    var resourceVersion: String { self["metadata"]?["resourceVersion"]?.stringValue ?? "" }
    var labels: [String: String] {
        (self["metadata"]?["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
    var isBeingDeleted: Bool { self["metadata"]?["deletionTimestamp"] != nil && self["metadata"]?["deletionTimestamp"] != .null }
}
