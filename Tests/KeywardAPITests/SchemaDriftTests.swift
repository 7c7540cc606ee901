import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import RotationStrategies
import Testing

/// The CRD schemas and the Swift models describe the same fields, in both directions, with the same defaults.
@Suite("CRD schema drift")
struct SchemaDriftTests {
    @Test("Certificate: every schema field is in the model and every model field is in the schema")
    func certificateFields() throws {
        try expectSameFields(crd: "certificates.keyward.dev", model: Samples.certificate())
    }

    @Test("SecretRotation: every schema field is in the model and every model field is in the schema")
    func rotationFields() throws {
        try expectSameFields(crd: "secretrotations.keyward.dev", model: Samples.rotation())
    }

    @Test("Issuer and ClusterIssuer: every schema field is in the model and every model field is in the schema")
    func issuerFields() throws {
        try expectSameFields(crd: "issuers.keyward.dev", model: Samples.issuer(), minimum: 8)
        try expectSameFields(crd: "clusterissuers.keyward.dev", model: Samples.clusterIssuer(), minimum: 8)
    }

    @Test("Issuer and ClusterIssuer: names, scope, columns without future dates")
    func issuerNames() throws {
        for (crdName, kind, plural, singular, shortNames, scope) in [
            ("issuers.keyward.dev", IssuerResource.kind, IssuerResource.plural, IssuerResource.singular,
             IssuerResource.shortNames, "Namespaced"),
            ("clusterissuers.keyward.dev", ClusterIssuerResource.kind, ClusterIssuerResource.plural,
             ClusterIssuerResource.singular, ClusterIssuerResource.shortNames, "Cluster"),
        ] {
            let (crd, schema) = try loadCRD(crdName)
            let spec = try #require(crd["spec"])
            #expect(crd["metadata"]?["name"]?.stringValue == "\(plural).\(KeywardAPIGroup.name)")
            #expect(spec["scope"]?.stringValue == scope)
            #expect(spec["names"]?["kind"]?.stringValue == kind)
            #expect(spec["names"]?["singular"]?.stringValue == singular)
            #expect(spec["names"]?["shortNames"]?.arrayValue?.compactMap(\.stringValue) == shortNames)
            #expect(spec["names"]?["categories"]?.arrayValue?.compactMap(\.stringValue) == [KeywardAPIGroup.category])
            let version = try #require(spec["versions"]?.arrayValue?.first)
            #expect(version["subresources"]?["status"] == [:])
            let columns = version["additionalPrinterColumns"]?.arrayValue ?? []
            let columnNames = columns.compactMap { $0["name"]?.stringValue }
            #expect(Array(columnNames.prefix(2)) == ["Ready", "Reason"])
            // Only Age (a past time) may be a date column: kubectl prints a future date as <invalid>.
            #expect(columns.filter { $0["type"]?.stringValue == "date" }.compactMap { $0["name"]?.stringValue } == ["Age"])
            #expect(schema["properties"]?["spec"]?["x-kubernetes-validations"] != nil)
        }
    }

    @Test("the samples leave no field unset (so the drift test sees every field)")
    func samplesAreFull() {
        #expect(unsetFields(Samples.certificate()) == [])
        #expect(unsetFields(Samples.rotation()) == [])
        #expect(unsetFields(Samples.issuer()) == [])
        #expect(unsetFields(Samples.clusterIssuer()) == [])
    }

    @Test("Certificate: CRD defaulting and Swift decoding agree")
    func certificateDefaults() throws {
        try expectSameDefaults(crd: "certificates.keyward.dev", type: Certificate.self, specs: [
            ["secretName": "a", "dnsNames": ["a.example.com"], "issuer": ["selfSigned": [:]]],
            ["secretName": "a", "commonName": "a", "issuer": ["ca": ["certificateRef": "r"]], "files": [:],
             "privateKey": ["algorithm": "RSA"], "subject": ["countries": ["DE"]], "secretTemplate": [:]],
            ["secretName": "a", "issuer": ["selfSigned": [:]], "files": ["names": ["chain": "c.pem"]]],
            ["secretName": "a", "issuer": ["selfSigned": [:]], "endpoints": [["address": "a.example.com:443"]]],
        ])
    }

    @Test("SecretRotation: CRD defaulting and Swift decoding agree")
    func rotationDefaults() throws {
        try expectSameDefaults(crd: "secretrotations.keyward.dev", type: SecretRotation.self, specs: [
            ["secretName": "a", "interval": "1h", "keys": [["name": "p", "generator": ["password": [:]]]]],
            ["secretName": "a", "schedule": ["cron": "@daily"],
             "keys": [["name": "t", "generator": ["token": [:]]], ["name": "u", "generator": ["uuid": [:]]],
                      ["name": "k", "generator": ["privateKey": [:]]],
                      ["name": "b", "generator": ["basicAuth": ["username": "x"]]]],
             "verify": ["http": ["url": "https://x.example.com"], "job": ["template": ["a": 1]]],
             "consumers": ["workloads": [["kind": "Deployment", "name": "x"]]],
             "onChange": [["exec": ["/bin/true"]]]],
        ])
    }

    @Test("CRD names agree with the model statics")
    func names() throws {
        for (crdName, group, kind, plural, singular, shortNames, categories) in [
            ("certificates.keyward.dev", Certificate.group, Certificate.kind, Certificate.plural, Certificate.singular,
             Certificate.shortNames, Certificate.categories),
            ("secretrotations.keyward.dev", SecretRotation.group, SecretRotation.kind, SecretRotation.plural,
             SecretRotation.singular, SecretRotation.shortNames, SecretRotation.categories),
        ] {
            let (crd, _) = try loadCRD(crdName)
            let spec = try #require(crd["spec"])
            #expect(crd["metadata"]?["name"]?.stringValue == "\(plural).\(group)")
            #expect(spec["group"]?.stringValue == group)
            #expect(spec["scope"]?.stringValue == "Namespaced")
            #expect(spec["names"]?["kind"]?.stringValue == kind)
            #expect(spec["names"]?["plural"]?.stringValue == plural)
            #expect(spec["names"]?["singular"]?.stringValue == singular)
            #expect(spec["names"]?["shortNames"]?.arrayValue?.compactMap(\.stringValue) == shortNames)
            #expect(spec["names"]?["categories"]?.arrayValue?.compactMap(\.stringValue) == categories)
            let version = try #require(spec["versions"]?.arrayValue?.first)
            #expect(version["name"]?.stringValue == KeywardAPIGroup.version)
            #expect(version["subresources"]?["status"] == [:])
        }
    }

    @Test("CRD enums list exactly the model's accepted values")
    func enums() throws {
        let (_, cert) = try loadCRD("certificates.keyward.dev")
        let spec = try #require(cert["properties"]?["spec"]?["properties"])
        #expect(strings(spec["usages"]?["items"]?["enum"]) == Certificate.Usage.allowedValues.map(\.rawValue))
        #expect(strings(spec["privateKey"]?["properties"]?["algorithm"]?["enum"])
                == Certificate.PrivateKey.Algorithm.allowedValues.map(\.rawValue))
        #expect(strings(spec["failurePolicy"]?["enum"]) == Certificate.FailurePolicy.allowedValues.map(\.rawValue))
        #expect(strings(spec["issuer"]?["properties"]?["issuerRef"]?["properties"]?["kind"]?["enum"])
                == Certificate.IssuerReference.IssuerKind.allowedValues.map(\.rawValue))
        let status = try #require(cert["properties"]?["status"]?["properties"])
        #expect(strings(status["state"]?["enum"]) == Certificate.State.allCases.map(\.rawValue))
        #expect(strings(status["revokedCertificates"]?["items"]?["properties"]?["reason"]?["enum"])
                == Certificate.RevocationReason.allowedValues.map(\.rawValue))

        let (_, rot) = try loadCRD("secretrotations.keyward.dev")
        let rspec = try #require(rot["properties"]?["spec"]?["properties"])
        #expect(strings(rspec["strategy"]?["properties"]?["type"]?["enum"])
                == SecretRotation.StrategyType.allowedValues.map(\.rawValue))
        #expect(strings(rspec["consumers"]?["properties"]?["workloads"]?["items"]?["properties"]?["kind"]?["enum"])
                == SecretRotation.WorkloadKind.allowedValues.map(\.rawValue))
        #expect(strings(rspec["verify"]?["properties"]?["http"]?["properties"]?["method"]?["enum"])
                == SecretRotation.HTTPMethod.allowedValues.map(\.rawValue))
        let rstatus = try #require(rot["properties"]?["status"]?["properties"])
        #expect(strings(rstatus["phase"]?["enum"]) == RotationPhase.allCases.map(\.rawValue))
        #expect(strings(rstatus["history"]?["items"]?["properties"]?["result"]?["enum"])
                == SecretRotation.RotationResult.allCases.map(\.rawValue))
    }

    @Test("every schema node has a description")
    func descriptions() throws {
        for name in ["certificates.keyward.dev", "secretrotations.keyward.dev", "issuers.keyward.dev",
                     "clusterissuers.keyward.dev"] {
            let (_, schema) = try loadCRD(name)
            var missing: [String] = []
            func walk(_ node: JSONValue, _ path: String) {
                if node["description"]?.stringValue?.isEmpty ?? true { missing.append(path) }
                for (key, child) in node["properties"]?.objectValue ?? [:] { walk(child, "\(path).\(key)") }
                if let items = node["items"] { walk(items, "\(path)[]") }
            }
            walk(schema, "")
            #expect(missing == [], "\(name): fields without description")
        }
    }

    // MARK: Helpers

    private func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Paths of a schema: "spec.dnsNames[]", with maps and preserved subtrees as leaves.
    private func schemaPaths(_ node: JSONValue, _ path: String, into paths: inout [String: Bool]) {
        let opaque = node["x-kubernetes-preserve-unknown-fields"]?.boolValue == true || node["additionalProperties"] != nil
        if !path.isEmpty { paths[path] = opaque }
        if opaque { return }
        for (key, child) in node["properties"]?.objectValue ?? [:] {
            schemaPaths(child, path.isEmpty ? key : "\(path).\(key)", into: &paths)
        }
        if let items = node["items"] { schemaPaths(items, "\(path)[]", into: &paths) }
    }

    private func modelPaths(_ value: JSONValue, _ path: String, opaque: [String: Bool], into paths: inout Set<String>) {
        if !path.isEmpty { paths.insert(path) }
        if opaque[path] == true { return }
        switch value {
        case .object(let o):
            for (key, child) in o { modelPaths(child, path.isEmpty ? key : "\(path).\(key)", opaque: opaque, into: &paths) }
        case .array(let a):
            for child in a { modelPaths(child, "\(path)[]", opaque: opaque, into: &paths) }
        default: break
        }
    }

    private func expectSameFields(crd: String, model: some Encodable, minimum: Int = 40) throws {
        let (_, schema) = try loadCRD(crd)
        var schemaMap: [String: Bool] = [:]
        for root in ["spec", "status"] { schemaPaths(try #require(schema["properties"]?[root]), root, into: &schemaMap) }
        let encoded = try kubeEncode(model)
        var modelSet = Set<String>()
        for root in ["spec", "status"] {
            modelPaths(try #require(encoded[root]), root, opaque: schemaMap, into: &modelSet)
        }
        let schemaSet = Set(schemaMap.keys)
        #expect(schemaSet.subtracting(modelSet).sorted() == [], "\(crd): schema fields the model never writes")
        #expect(modelSet.subtracting(schemaSet).sorted() == [], "\(crd): model fields missing from the schema")
        #expect(schemaSet.count > minimum)
    }

    /// Applies the schema's `default`s as the API server does (absent properties get their default, recursively).
    private func applyDefaults(_ value: JSONValue, _ schema: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            guard schema["x-kubernetes-preserve-unknown-fields"]?.boolValue != true else { return value }
            for (key, child) in schema["properties"]?.objectValue ?? [:] {
                if let present = o[key] { o[key] = applyDefaults(present, child) }
                else if let def = child["default"] { o[key] = applyDefaults(def, child) }
            }
            return .object(o)
        case .array(let a):
            guard let items = schema["items"] else { return value }
            return .array(a.map { applyDefaults($0, items) })
        default:
            return value
        }
    }

    private func expectSameDefaults<T: KubernetesResource>(crd: String, type: T.Type, specs: [JSONValue]) throws {
        let (_, schema) = try loadCRD(crd)
        let specSchema = try #require(schema["properties"]?["spec"])
        for spec in specs {
            let serverView = applyDefaults(spec, specSchema)
            let model = try kubeDecode(T.self, from: ["metadata": ["name": "x"], "spec": spec])
            let swiftView = try #require(try kubeEncode(model)["spec"])
            #expect(swiftView == serverView, "\(crd) defaults differ for \(spec.jsonString)")
        }
    }

    /// Optional fields that are nil and collections that are empty anywhere in `value` (metadata excluded).
    private func unsetFields(_ value: Any, path: String = "") -> [String] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let child = mirror.children.first else { return [path] }
            return unsetFields(child.value, path: path)
        case .collection:
            if mirror.children.isEmpty { return [path] }
            return mirror.children.enumerated().flatMap { unsetFields($1.value, path: "\(path)[\($0)]") }
        case .dictionary:
            return mirror.children.isEmpty ? [path] : []
        case .struct:
            if value is ObjectMeta || value is JSONValue || value is Date || value is Condition { return [] }
            return mirror.children.flatMap { child in
                unsetFields(child.value, path: path.isEmpty ? (child.label ?? "?") : "\(path).\(child.label ?? "?")")
            }
        default:
            return []
        }
    }
}
