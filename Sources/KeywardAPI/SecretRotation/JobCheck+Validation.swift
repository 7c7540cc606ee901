import KeywardCore

extension SecretRotation.JobCheck {
    /// What a tenant may put in a verification Job: containers, and per container only these fields. The operator
    /// builds everything else of the pod (service account, no token, the candidate volume, security context), so a
    /// user who may create SecretRotations but not pods cannot run code with more than the namespace's defaults.
    public static let allowedContainerFields: Set<String> = [
        "name", "image", "imagePullPolicy", "command", "args", "workingDir", "env", "resources",
    ]
    public static let maximumContainers = 8

    /// Every reason `template` is not such a Job, each naming its field below `field` (`spec.verify.job.template`).
    func templateViolations(_ field: String, _ v: inout ViolationCollector) {
        guard let jobSpec = template.objectValue else { v.add(field, "must be a batch/v1 JobSpec object"); return }
        // Only template.spec.containers (and restartPolicy: Never, which the operator sets anyway) is accepted.
        for key in jobSpec.keys.sorted() where key != "template" {
            v.add("\(field).\(key)", "not allowed: the operator sets the Job's fields; give only template.spec.containers")
        }
        guard let podTemplate = jobSpec["template"]?.objectValue else {
            v.add("\(field).template", "needs template.spec.containers")
            return
        }
        for key in podTemplate.keys.sorted() where key != "spec" {
            v.add("\(field).template.\(key)", "not allowed: give only template.spec.containers")
        }
        guard let podSpec = podTemplate["spec"]?.objectValue else {
            v.add("\(field).template.spec", "needs containers")
            return
        }
        for key in podSpec.keys.sorted() where key != "containers" {
            if key == "restartPolicy", podSpec[key] == "Never" { continue }
            v.add("\(field).template.spec.\(key)", "not allowed: the operator builds the pod (service account, volumes, "
                  + "security context); give only containers")
        }
        let containersField = "\(field).template.spec.containers"
        guard let containers = podSpec["containers"]?.arrayValue, !containers.isEmpty else {
            v.add(containersField, "needs at least one container")
            return
        }
        if containers.count > Self.maximumContainers {
            v.add(containersField, "at most \(Self.maximumContainers) containers")
            return
        }
        var names = Set<String>()
        for (i, container) in containers.enumerated() {
            containerViolations(container, "\(containersField)[\(i)]", names: &names, &v)
        }
    }

    private func containerViolations(_ value: JSONValue, _ field: String, names: inout Set<String>,
                                     _ v: inout ViolationCollector) {
        guard let container = value.objectValue else { v.add(field, "must be an object"); return }
        for key in container.keys.sorted() where !Self.allowedContainerFields.contains(key) {
            v.add("\(field).\(key)", "not allowed: a verification container has only "
                  + Self.allowedContainerFields.sorted().joined(separator: ", "))
        }
        if let name = container["name"]?.stringValue {
            if let problem = NameRules.dns1123LabelProblem(name) { v.add("\(field).name", problem) }
            else if !names.insert(name).inserted { v.add("\(field).name", "\"\(name)\" is used twice") }
        } else {
            v.add("\(field).name", "required: a DNS label")
        }
        if container["image"]?.stringValue?.isEmpty ?? true { v.add("\(field).image", "required") }
        if let policy = container["imagePullPolicy"], !["Always", "IfNotPresent", "Never"].contains(policy.stringValue ?? "") {
            v.add("\(field).imagePullPolicy", "must be Always, IfNotPresent or Never")
        }
        for list in ["command", "args"] {
            if let items = container[list], !(items.arrayValue?.allSatisfy({ $0.stringValue != nil }) ?? false) {
                v.add("\(field).\(list)", "must be a list of strings")
            }
        }
        if let dir = container["workingDir"], dir.stringValue == nil { v.add("\(field).workingDir", "must be a string") }
        if let env = container["env"] { envViolations(env, "\(field).env", &v) }
        if let resources = container["resources"] { resourcesViolations(resources, "\(field).resources", &v) }
    }

    private func envViolations(_ value: JSONValue, _ field: String, _ v: inout ViolationCollector) {
        guard let entries = value.arrayValue else { v.add(field, "must be a list"); return }
        for (i, entry) in entries.enumerated() {
            let entryField = "\(field)[\(i)]"
            guard let object = entry.objectValue else { v.add(entryField, "must be an object"); continue }
            if object["name"]?.stringValue?.isEmpty ?? true { v.add("\(entryField).name", "required") }
            for key in object.keys.sorted() where !["name", "value", "valueFrom"].contains(key) {
                v.add("\(entryField).\(key)", "not allowed: an env entry has name, value and valueFrom")
            }
            if let text = object["value"], text.stringValue == nil { v.add("\(entryField).value", "must be a string") }
            guard let from = object["valueFrom"] else { continue }
            // Pod metadata and the container's own resources are harmless; a Secret or ConfigMap reference would
            // let the Job read what its author might not be allowed to.
            guard let source = from.objectValue, source.count == 1,
                  let kind = source.keys.first, ["fieldRef", "resourceFieldRef"].contains(kind) else {
                v.add("\(entryField).valueFrom", "only fieldRef or resourceFieldRef: Secret and ConfigMap references "
                      + "are not allowed in a verification Job")
                continue
            }
        }
    }

    private func resourcesViolations(_ value: JSONValue, _ field: String, _ v: inout ViolationCollector) {
        guard let resources = value.objectValue else { v.add(field, "must be an object"); return }
        for key in resources.keys.sorted() {
            guard key == "limits" || key == "requests" else {
                v.add("\(field).\(key)", "not allowed: resources has limits and requests")
                continue
            }
            guard let quantities = resources[key]?.objectValue,
                  quantities.values.allSatisfy({ $0.stringValue != nil || $0.intValue != nil || $0.doubleValue != nil })
            else {
                v.add("\(field).\(key)", "must map resource names to quantities")
                continue
            }
        }
    }
}
