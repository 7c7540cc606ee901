import Foundation
import KeywardCore

/// Per-kind server behaviour: the defaulting, normalisation and validation the real registry strategies apply.
enum ResourceRules {
    // MARK: Normalisation (runs before validation on every write)

    /// Decodes what the real server decodes (Secret base64, MicroTime) and applies kind defaults.
    static func normalize(_ object: inout JSONValue, def: ResourceDefinition, old: JSONValue?, now: Date) throws(APIStatusError) {
        switch def.behavior {
        case .secret:
            try normalizeSecret(&object)
        case .configMap:
            try checkBase64Map(object["binaryData"], kind: "ConfigMap")
        case .namespace:
            if object["spec"]?["finalizers"] == nil { object.set(["spec", "finalizers"], ["kubernetes"]) }
            if let old {
                object["status"] = old["status"]
            } else {
                object["status"] = ["phase": "Active"]
            }
            var labels = object["metadata"]?["labels"]?.objectValue ?? [:]
            labels["kubernetes.io/metadata.name"] = .string(object.name)
            object.set(["metadata", "labels"], .object(labels))
        case .lease:
            for field in ["acquireTime", "renewTime"] {
                if let v = object["spec"]?[field], v != .null {
                    guard let s = v.stringValue, Timestamp.parse(s) != nil else {
                        throw APIStatusError.badRequest(
                            "Lease in version \"v1\" cannot be handled as a Lease: parsing time \(v.jsonString) as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse")
                    }
                }
            }
        case .deployment:
            defaultDeployment(&object)
        case .statefulSet:
            defaultStatefulSet(&object)
        case .daemonSet:
            defaultDaemonSet(&object)
        case .job:
            defaultJob(&object, old: old)
        case .event, .serviceAccount, .ingress, .httpRoute, .customResourceDefinition, .custom:
            break
        }
    }

    private static func normalizeSecret(_ object: inout JSONValue) throws(APIStatusError) {
        try checkBase64Map(object["data"], kind: "Secret")
        if let stringData = object["stringData"] {
            guard let map = stringData.objectValue else {
                throw APIStatusError.badRequest("Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal \(stringData.typeName) into Go struct field Secret.stringData of type map[string]string")
            }
            var data = object["data"]?.objectValue ?? [:]
            for (key, value) in map {
                guard let s = value.stringValue else {
                    throw APIStatusError.badRequest("Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal \(value.typeName) into Go struct field Secret.stringData of type string")
                }
                data[key] = .string(Data(s.utf8).base64EncodedString())
            }
            object["data"] = .object(data)
            object["stringData"] = nil
        }
        if object["type"] == nil || object["type"] == "" { object["type"] = "Opaque" }
    }

    private static func checkBase64Map(_ map: JSONValue?, kind: String) throws(APIStatusError) {
        guard let map, map != .null else { return }
        guard let o = map.objectValue else {
            throw APIStatusError.badRequest("\(kind) in version \"v1\" cannot be handled as a \(kind): json: cannot unmarshal \(map.typeName) into Go value of type map[string][]byte")
        }
        for (_, value) in o {
            guard let s = value.stringValue, Data(base64Encoded: s) != nil else {
                throw APIStatusError.badRequest("\(kind) in version \"v1\" cannot be handled as a \(kind): illegal base64 data at input byte 0")
            }
        }
    }

    // MARK: apps/v1 defaults (what a client reads back after creating one)

    private static func defaultPodTemplate(_ template: inout JSONValue) {
        guard template.objectValue != nil else { return }
        var spec = template["spec"] ?? .object([:])
        func setDefault(_ key: String, _ value: JSONValue) { if spec[key] == nil { spec[key] = value } }
        setDefault("restartPolicy", "Always")
        setDefault("terminationGracePeriodSeconds", 30)
        setDefault("dnsPolicy", "ClusterFirst")
        setDefault("securityContext", .object([:]))
        setDefault("schedulerName", "default-scheduler")
        for listKey in ["containers", "initContainers"] {
            guard var containers = spec[listKey]?.arrayValue else { continue }
            for i in containers.indices where containers[i].objectValue != nil {
                if containers[i]["terminationMessagePath"] == nil { containers[i]["terminationMessagePath"] = "/dev/termination-log" }
                if containers[i]["terminationMessagePolicy"] == nil { containers[i]["terminationMessagePolicy"] = "File" }
                if containers[i]["resources"] == nil { containers[i]["resources"] = .object([:]) }
                if containers[i]["imagePullPolicy"] == nil {
                    let image = containers[i]["image"]?.stringValue ?? ""
                    let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
                    let untaggedOrLatest = !lastComponent.contains(":") || image.hasSuffix(":latest")
                    containers[i]["imagePullPolicy"] = untaggedOrLatest && !image.contains("@") ? "Always" : "IfNotPresent"
                }
            }
            spec[listKey] = .array(containers)
        }
        template["spec"] = spec
        if template["metadata"] == nil { template["metadata"] = .object([:]) }
    }

    private static func defaultDeployment(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        guard spec.objectValue != nil else { return }
        if spec["replicas"] == nil { spec["replicas"] = 1 }
        if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
        if spec["progressDeadlineSeconds"] == nil { spec["progressDeadlineSeconds"] = 600 }
        if spec["strategy"] == nil { spec["strategy"] = ["type": "RollingUpdate"] }
        if spec["strategy"]?["type"]?.stringValue == "RollingUpdate" && spec["strategy"]?["rollingUpdate"] == nil {
            spec.set(["strategy", "rollingUpdate"], ["maxUnavailable": "25%", "maxSurge": "25%"])
        }
        if var template = spec["template"] { defaultPodTemplate(&template); spec["template"] = template }
        object["spec"] = spec
    }

    private static func defaultStatefulSet(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        guard spec.objectValue != nil else { return }
        if spec["replicas"] == nil { spec["replicas"] = 1 }
        if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
        if spec["podManagementPolicy"] == nil { spec["podManagementPolicy"] = "OrderedReady" }
        if spec["updateStrategy"] == nil { spec["updateStrategy"] = ["type": "RollingUpdate"] }
        if spec["updateStrategy"]?["type"]?.stringValue == "RollingUpdate" && spec["updateStrategy"]?["rollingUpdate"] == nil {
            spec.set(["updateStrategy", "rollingUpdate"], ["partition": 0])
        }
        if spec["persistentVolumeClaimRetentionPolicy"] == nil {
            spec["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
        }
        if var template = spec["template"] { defaultPodTemplate(&template); spec["template"] = template }
        object["spec"] = spec
    }

    private static func defaultDaemonSet(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        guard spec.objectValue != nil else { return }
        if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
        if spec["updateStrategy"] == nil { spec["updateStrategy"] = ["type": "RollingUpdate"] }
        if spec["updateStrategy"]?["type"]?.stringValue == "RollingUpdate" && spec["updateStrategy"]?["rollingUpdate"] == nil {
            spec.set(["updateStrategy", "rollingUpdate"], ["maxUnavailable": 1, "maxSurge": 0])
        }
        if var template = spec["template"] { defaultPodTemplate(&template); spec["template"] = template }
        object["spec"] = spec
    }

    /// batch/v1 defaults; the pod template's restartPolicy is not defaulted (a Job must say Never or OnFailure).
    private static func defaultJob(_ object: inout JSONValue, old: JSONValue?) {
        var spec = object["spec"] ?? .object([:])
        guard spec.objectValue != nil else { return }
        func setDefault(_ key: String, _ value: JSONValue) { if spec[key] == nil { spec[key] = value } }
        setDefault("parallelism", 1)
        setDefault("completions", 1)
        setDefault("backoffLimit", 6)
        setDefault("completionMode", "NonIndexed")
        setDefault("suspend", false)
        if var template = spec["template"], template.objectValue != nil {
            let restartPolicy = template["spec"]?["restartPolicy"]
            defaultPodTemplate(&template)
            if restartPolicy == nil, var podSpec = template["spec"]?.objectValue {
                podSpec["restartPolicy"] = nil
                template["spec"] = .object(podSpec)
            }
            // What the Job controller's selector matches (the real server derives it from the uid).
            var labels = template["metadata"]?["labels"]?.objectValue ?? [:]
            labels["job-name"] = .string(object.name)
            labels["batch.kubernetes.io/job-name"] = .string(object.name)
            template.set(["metadata", "labels"], .object(labels))
            spec["template"] = template
        }
        if old == nil, spec["selector"] == nil { spec["selector"] = ["matchLabels": ["batch.kubernetes.io/job-name": .string(object.name)]] }
        object["spec"] = spec
    }

    /// The status a freshly created workload reads back with (non-omitempty fields of the Go types).
    static func initialStatus(_ def: ResourceDefinition) -> JSONValue? {
        switch def.behavior {
        case .deployment, .job: return .object([:])
        case .ingress: return ["loadBalancer": .object([:])]
        case .statefulSet: return ["replicas": 0, "availableReplicas": 0]
        case .daemonSet:
            return ["currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0]
        default: return nil
        }
    }

    // MARK: Validation

    private static let configKeyPattern = #"^[-._a-zA-Z0-9]+$"#

    static func validate(_ object: JSONValue, old: JSONValue?, def: ResourceDefinition) -> [FieldError] {
        var errors: [FieldError] = []
        switch def.behavior {
        case .secret: validateSecret(object, old: old, into: &errors)
        case .configMap: validateConfigMap(object, old: old, into: &errors)
        case .lease:
            if let d = object["spec"]?["leaseDurationSeconds"], d != .null, (d.intValue ?? 0) <= 0 {
                errors.append(FieldError(.invalid, "spec.leaseDurationSeconds", value: d, "must be greater than 0"))
            }
            if let t = object["spec"]?["leaseTransitions"], t != .null, (t.intValue ?? -1) < 0 {
                errors.append(FieldError(.invalid, "spec.leaseTransitions", value: t, "must be greater than or equal to 0"))
            }
        case .event:
            if object["involvedObject"] == nil && object["regarding"] == nil {
                errors.append(FieldError(.required, "involvedObject"))
            }
        case .deployment, .statefulSet, .daemonSet:
            validateWorkload(object, old: old, def: def, into: &errors)
        case .job:
            validateJob(object, old: old, into: &errors)
        case .ingress:
            validateIngress(object, into: &errors)
        case .httpRoute:
            validateHTTPRoute(object, into: &errors)
        case .namespace, .serviceAccount, .customResourceDefinition, .custom:
            break
        }
        return errors
    }

    private static func validateDataKeys(_ map: JSONObject, field: String, into errors: inout [FieldError]) {
        for key in map.keys.sorted() {
            if key.count > 253 || !RegexCache.shared.matches(configKeyPattern, key) {
                errors.append(FieldError(.invalid, "\(field)[\(key)]", value: .string(key),
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"))
            }
        }
    }

    private static func validateSecret(_ object: JSONValue, old: JSONValue?, into errors: inout [FieldError]) {
        let data = object["data"]?.objectValue ?? [:]
        validateDataKeys(data, field: "data", into: &errors)
        let total = data.values.reduce(0) { $0 + (Data(base64Encoded: $1.stringValue ?? "")?.count ?? 0) }
        if total > 1024 * 1024 { errors.append(FieldError(.tooLong, "data", "must have at most 1048576 bytes")) }
        let type = object["type"]?.stringValue ?? "Opaque"
        switch type {
        case "kubernetes.io/tls":
            for key in ["tls.crt", "tls.key"] where data[key] == nil { errors.append(FieldError(.required, "data[\(key)]")) }
        case "kubernetes.io/dockerconfigjson":
            if data[".dockerconfigjson"] == nil { errors.append(FieldError(.required, "data[.dockerconfigjson]")) }
        case "kubernetes.io/dockercfg":
            if data[".dockercfg"] == nil { errors.append(FieldError(.required, "data[.dockercfg]")) }
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errors.append(FieldError(.required, "data[username]"))
                errors.append(FieldError(.required, "data[password]"))
            }
        case "kubernetes.io/ssh-auth":
            if data["ssh-privatekey"] == nil { errors.append(FieldError(.required, "data[ssh-privatekey]")) }
        case "kubernetes.io/service-account-token":
            if object["metadata"]?["annotations"]?["kubernetes.io/service-account.name"] == nil {
                errors.append(FieldError(.required, "metadata.annotations[kubernetes.io/service-account.name]"))
            }
        default: break
        }
        guard let old else { return }
        let oldType = old["type"]?.stringValue ?? "Opaque"
        if oldType != type {
            errors.append(FieldError(.invalid, "type", value: .string(type), "field is immutable"))
        }
        validateImmutable(object, old: old, dataKeys: ["data"], into: &errors)
    }

    private static func validateConfigMap(_ object: JSONValue, old: JSONValue?, into errors: inout [FieldError]) {
        let data = object["data"]?.objectValue ?? [:]
        let binary = object["binaryData"]?.objectValue ?? [:]
        validateDataKeys(data, field: "data", into: &errors)
        validateDataKeys(binary, field: "binaryData", into: &errors)
        for (key, value) in data where value.stringValue == nil {
            errors.append(FieldError(.invalid, "data[\(key)]", value: value, "must be a string"))
        }
        for key in Set(data.keys).intersection(binary.keys).sorted() {
            errors.append(FieldError(.invalid, "data[\(key)]", value: .string(key), "duplicate of key present in binaryData"))
        }
        if let old { validateImmutable(object, old: old, dataKeys: ["data", "binaryData"], into: &errors) }
    }

    private static func validateImmutable(_ object: JSONValue, old: JSONValue, dataKeys: [String], into errors: inout [FieldError]) {
        guard old["immutable"]?.boolValue == true else { return }
        if object["immutable"]?.boolValue != true {
            errors.append(FieldError(.forbidden, "immutable", "field is immutable when `immutable` is set"))
        }
        for key in dataKeys where (object[key] ?? .null) != (old[key] ?? .null) {
            errors.append(FieldError(.forbidden, key, "field is immutable when `immutable` is set"))
        }
    }

    private static func validateWorkload(_ object: JSONValue, old: JSONValue?, def: ResourceDefinition, into errors: inout [FieldError]) {
        guard let spec = object["spec"], spec.objectValue != nil else {
            errors.append(FieldError(.required, "spec"))
            return
        }
        if let replicas = spec["replicas"], replicas != .null, (replicas.intValue ?? -1) < 0 {
            errors.append(FieldError(.invalid, "spec.replicas", value: replicas, "must be greater than or equal to 0"))
        }
        let selector = spec["selector"]
        let matchLabels = selector?["matchLabels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        let hasExpressions = !(selector?["matchExpressions"]?.arrayValue ?? []).isEmpty
        if selector == nil || selector == .null || (matchLabels.isEmpty && !hasExpressions) {
            errors.append(FieldError(.required, "spec.selector"))
            if selector != nil && selector != .null {
                errors.append(FieldError(.invalid, "spec.selector", rendered: "\"null\"", "empty selector is invalid for deployment"))
            }
        }
        let templateLabels = spec["template"]?["metadata"]?["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        if !matchLabels.isEmpty && !matchLabels.allSatisfy({ templateLabels[$0.key] == $0.value }) {
            let rendered = "map[string]string{" + templateLabels.sorted { $0.key < $1.key }
                .map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ", ") + "}"
            errors.append(FieldError(.invalid, "spec.template.metadata.labels", rendered: rendered,
                                     "`selector` does not match template `labels`"))
        }
        let containers = spec["template"]?["spec"]?["containers"]?.arrayValue ?? []
        if containers.isEmpty {
            errors.append(FieldError(.required, "spec.template.spec.containers"))
        }
        for (i, c) in containers.enumerated() {
            if (c["name"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "spec.template.spec.containers[\(i)].name")) }
            if (c["image"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "spec.template.spec.containers[\(i)].image")) }
        }
        if let old, let oldSelector = old["spec"]?["selector"], oldSelector != selector ?? .null {
            errors.append(FieldError(.invalid, "spec.selector", rendered: "v1.LabelSelector{...}", "field is immutable"))
        }
    }

    private static func validateJob(_ object: JSONValue, old: JSONValue?, into errors: inout [FieldError]) {
        guard let spec = object["spec"], spec.objectValue != nil else {
            errors.append(FieldError(.required, "spec"))
            return
        }
        for field in ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"] {
            guard let value = spec[field], value != .null else { continue }
            let minimum: Int64 = field == "activeDeadlineSeconds" ? 1 : 0
            if (value.intValue ?? -1) < minimum {
                errors.append(FieldError(.invalid, "spec.\(field)", value: value,
                                         minimum == 1 ? "must be greater than 0" : "must be greater than or equal to 0"))
            }
        }
        let podSpec = spec["template"]?["spec"]
        let containers = podSpec?["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(FieldError(.required, "spec.template.spec.containers")) }
        for (i, c) in containers.enumerated() {
            if (c["name"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "spec.template.spec.containers[\(i)].name")) }
            if (c["image"]?.stringValue ?? "").isEmpty { errors.append(FieldError(.required, "spec.template.spec.containers[\(i)].image")) }
        }
        let restartPolicy = podSpec?["restartPolicy"]?.stringValue
        if restartPolicy != "Never" && restartPolicy != "OnFailure" {
            if let restartPolicy {
                errors.append(FieldError(.notSupported, "spec.template.spec.restartPolicy", value: .string(restartPolicy),
                                         "supported values: \"OnFailure\", \"Never\""))
            } else {
                errors.append(FieldError(.required, "spec.template.spec.restartPolicy",
                                         "valid values: \"OnFailure\", \"Never\""))
            }
        }
        if let old {
            // The real registry: a Job's pod template and selector never change after creation.
            if old["spec"]?["template"] != spec["template"] {
                errors.append(FieldError(.invalid, "spec.template", rendered: "core.PodTemplateSpec{...}", "field is immutable"))
            }
            if old["spec"]?["selector"] != spec["selector"] {
                errors.append(FieldError(.invalid, "spec.selector", rendered: "v1.LabelSelector{...}", "field is immutable"))
            }
        }
    }

    // MARK: Generation

    /// Whether a write changes what `metadata.generation` counts (the desired state).
    static func desiredStateChanged(old: JSONValue, new: JSONValue, def: ResourceDefinition) -> Bool {
        switch def.behavior {
        case .deployment:
            return old["spec"] != new["spec"] || old["metadata"]?["annotations"] != new["metadata"]?["annotations"]
        case .statefulSet, .daemonSet, .job, .ingress, .httpRoute, .customResourceDefinition:
            return old["spec"] != new["spec"]
        case .custom:
            var a = old, b = new
            a["metadata"] = nil; b["metadata"] = nil
            if def.statusSubresource { a["status"] = nil; b["status"] = nil }
            return a != b
        default:
            return false
        }
    }

    // MARK: Field selectors

    static let commonFields = ["metadata.name", "metadata.namespace"]

    static func supportedFields(_ def: ResourceDefinition, version: String) -> [String] {
        switch def.behavior {
        case .secret: return commonFields + ["type"]
        case .namespace: return commonFields + ["status.phase"]
        case .event:
            return commonFields + ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                   "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                   "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]
        case .custom: return commonFields + (def.selectableFields[version]?.keys.sorted() ?? [])
        default: return commonFields
        }
    }

    static func fieldSet(_ object: JSONValue, def: ResourceDefinition, version: String) -> [String: String] {
        var fields: [String: String] = ["metadata.name": object.name, "metadata.namespace": object.namespace ?? ""]
        switch def.behavior {
        case .secret: fields["type"] = object["type"]?.stringValue ?? ""
        case .namespace: fields["status.phase"] = object["status"]?["phase"]?.stringValue ?? ""
        case .event:
            for key in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
                fields["involvedObject.\(key)"] = object["involvedObject"]?[key]?.stringValue ?? ""
            }
            fields["reason"] = object["reason"]?.stringValue ?? ""
            fields["reportingComponent"] = object["reportingComponent"]?.stringValue ?? ""
            fields["source"] = object["source"]?["component"]?.stringValue ?? ""
            fields["type"] = object["type"]?.stringValue ?? ""
        case .custom:
            for (field, path) in def.selectableFields[version] ?? [:] {
                if let v = path.evaluate(object).first {
                    switch v {
                    case .string(let s): fields[field] = s
                    case .null: break
                    default: fields[field] = v.jsonString
                    }
                }
            }
        default: break
        }
        return fields
    }
}
