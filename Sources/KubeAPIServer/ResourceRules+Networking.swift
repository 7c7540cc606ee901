import KeywardCore

/// Validation for networking.k8s.io/v1 Ingress (the registry's rules for what the HTTP-01 solver writes) and
/// gateway.networking.k8s.io/v1 HTTPRoute (the Gateway API CRD's schema rules for the same fields).
extension ResourceRules {
    private static let ingressPathTypes = ["Exact", "Prefix", "ImplementationSpecific"]
    private static let routePathTypes = ["Exact", "PathPrefix", "RegularExpression"]

    /// A host as both APIs accept it: a DNS subdomain, optionally with one leading `*.` label.
    private static func hostProblem(_ host: String) -> String? {
        let bare = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
        if bare.contains("*") { return "a wildcard DNS-1123 subdomain must start with '*.'" }
        return ObjectMeta.isDNSSubdomain(bare) ? nil : ObjectMeta.dnsSubdomainMessage(bare)
    }

    static func validateIngress(_ object: JSONValue, into errors: inout [FieldError]) {
        guard let spec = object["spec"], spec.objectValue != nil else {
            errors.append(FieldError(.required, "spec"))
            return
        }
        let rules = spec["rules"]?.arrayValue ?? []
        if let backend = spec["defaultBackend"], backend != .null {
            validateIngressBackend(backend, field: "spec.defaultBackend", into: &errors)
        } else if rules.isEmpty {
            errors.append(FieldError(.invalid, "spec", rendered: "{...}", "either `defaultBackend` or `rules` must be specified"))
        }
        if let className = spec["ingressClassName"]?.stringValue, !ObjectMeta.isDNSSubdomain(className) {
            errors.append(FieldError(.invalid, "spec.ingressClassName", value: .string(className),
                                     ObjectMeta.dnsSubdomainMessage(className)))
        }
        for (i, rule) in rules.enumerated() {
            if let host = rule["host"]?.stringValue, !host.isEmpty, let problem = hostProblem(host) {
                errors.append(FieldError(.invalid, "spec.rules[\(i)].host", value: .string(host), problem))
            }
            guard let http = rule["http"], http != .null else { continue }
            let paths = http["paths"]?.arrayValue ?? []
            if paths.isEmpty { errors.append(FieldError(.required, "spec.rules[\(i)].http.paths")) }
            for (j, path) in paths.enumerated() {
                let field = "spec.rules[\(i)].http.paths[\(j)]"
                let type = path["pathType"]?.stringValue
                if let type, !ingressPathTypes.contains(type) {
                    errors.append(FieldError(.notSupported, "\(field).pathType", value: .string(type),
                                             "supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""))
                } else if type == nil {
                    errors.append(FieldError(.required, "\(field).pathType", "pathType must be specified"))
                }
                let value = path["path"]?.stringValue ?? ""
                if type != "ImplementationSpecific" || !value.isEmpty, !value.hasPrefix("/") {
                    errors.append(FieldError(.invalid, "\(field).path", value: .string(value), "must be an absolute path"))
                }
                if let backend = path["backend"], backend != .null {
                    validateIngressBackend(backend, field: "\(field).backend", into: &errors)
                } else {
                    errors.append(FieldError(.required, "\(field).backend"))
                }
            }
        }
    }

    private static func validateIngressBackend(_ backend: JSONValue, field: String, into errors: inout [FieldError]) {
        let service = backend["service"], resource = backend["resource"]
        switch (service != nil && service != .null, resource != nil && resource != .null) {
        case (true, true):
            errors.append(FieldError(.invalid, field, rendered: "{...}", "cannot set both resource and service backends"))
        case (false, false):
            errors.append(FieldError(.invalid, field, rendered: "{...}", "resource or service backend is required"))
        case (false, true): break
        case (true, false):
            let name = service?["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.append(FieldError(.required, "\(field).service.name"))
            } else if !ObjectMeta.isDNSLabel(name) {
                errors.append(FieldError(.invalid, "\(field).service.name", value: .string(name), ObjectMeta.dnsLabelMessage(name)))
            }
            let port = service?["port"]
            let hasName = !(port?["name"]?.stringValue ?? "").isEmpty, number = port?["number"]?.intValue
            if hasName == (number != nil) {
                errors.append(FieldError(.invalid, "\(field).service.port", rendered: "{...}",
                                         "port name or number is required"))
            } else if let number, !(1...65535).contains(number) {
                errors.append(FieldError(.invalid, "\(field).service.port.number", value: port?["number"],
                                         "must be between 1 and 65535, inclusive"))
            }
        }
    }

    static func validateHTTPRoute(_ object: JSONValue, into errors: inout [FieldError]) {
        guard let spec = object["spec"], spec.objectValue != nil else {
            errors.append(FieldError(.required, "spec"))
            return
        }
        for (i, parent) in (spec["parentRefs"]?.arrayValue ?? []).enumerated()
        where (parent["name"]?.stringValue ?? "").isEmpty {
            errors.append(FieldError(.required, "spec.parentRefs[\(i)].name"))
        }
        let hostnames = spec["hostnames"]?.arrayValue ?? []
        if hostnames.count > 16 { errors.append(FieldError(.tooMany, "spec.hostnames", "must have at most 16 items")) }
        for (i, host) in hostnames.enumerated() {
            let s = host.stringValue ?? ""
            if let problem = hostProblem(s) { errors.append(FieldError(.invalid, "spec.hostnames[\(i)]", value: host, problem)) }
        }
        for (i, rule) in (spec["rules"]?.arrayValue ?? []).enumerated() {
            for (j, match) in (rule["matches"]?.arrayValue ?? []).enumerated() {
                guard let path = match["path"], path != .null else { continue }
                let field = "spec.rules[\(i)].matches[\(j)].path"
                let type = path["type"]?.stringValue ?? "PathPrefix"
                if !routePathTypes.contains(type) {
                    errors.append(FieldError(.notSupported, "\(field).type", value: .string(type),
                                             "supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\""))
                }
                let value = path["value"]?.stringValue ?? "/"
                if type != "RegularExpression", !value.hasPrefix("/") {
                    errors.append(FieldError(.invalid, "\(field).value", value: .string(value), "must be an absolute path"))
                }
            }
            for (j, ref) in (rule["backendRefs"]?.arrayValue ?? []).enumerated() {
                let field = "spec.rules[\(i)].backendRefs[\(j)]"
                if (ref["name"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "\(field).name")) }
                let kind = ref["kind"]?.stringValue ?? "Service", group = ref["group"]?.stringValue ?? ""
                if kind == "Service", group.isEmpty, ref["port"]?.intValue == nil {
                    errors.append(FieldError(.required, "\(field).port", "Must have port for Service reference"))
                }
            }
        }
    }
}
