import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// CRDs: loading from directories, creating over the API, schema validation, defaulting, pruning, CEL, Tables.
@Suite struct CustomResourceTests {
    @Test func crdsFromDirectoriesAreServedAtStart() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let crds = try await server.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").json
            let names = Set(crds["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? [])
            #expect(names == ["certificates.keyward.dev", "clusterissuers.keyward.dev", "issuers.keyward.dev",
                              "secretrotations.keyward.dev"])
            let established = crds["items"]?[0]?["status"]?["conditions"]?.arrayValue?
                .contains { $0["type"] == "Established" && $0["status"] == "True" }
            #expect(established == true)
            let list = try await server.get("/apis/keyward.dev/v1alpha1/namespaces/default/certificates")
            #expect(list.status == 200)
            #expect(list.json["kind"] == "CertificateList")
        }
    }

    @Test func aBrokenCRDFileFailsStartWithTheFileName() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "kind: CustomResourceDefinition\nspec: [".write(to: directory.appendingPathComponent("broken.yaml"),
                                                            atomically: true, encoding: .utf8)
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [directory]
        do {
            let server = try await APIServer.start(configuration)
            await server.shutdown()
            Issue.record("a truncated CRD file must fail the start")
        } catch let error as APIServerError {
            #expect("\(error)".contains("broken.yaml"))
        }
    }

    @Test func creatingACRDServesItsResourceAndDeletingItRemovesThem() async throws {
        try await withServer { server in
            #expect(try await server.get(Paths.widgets()).status == 404)
            try await installWidgetCRD(server)
            let created = try await server.post(Paths.widgets(), Sample.widget("w"))
            #expect(created.status == 201)
            let discovery = try await server.get("/apis/example.dev/v1").json
            let resources = discovery["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(resources == ["widgets", "widgets/status"])
            #expect(discovery["resources"]?[0]?["shortNames"] == ["wd"])
            #expect(discovery["resources"]?[0]?["categories"] == ["toys"])

            _ = try await server.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev")
            #expect(try await server.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev").status == 404)
            #expect(try await server.get(Paths.widgets()).status == 404)
        }
    }

    @Test func schemaViolationsAre422WithOneCausePerField() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let invalid = try await server.post(Paths.widgets(), Sample.widget("bad", size: 50, extra: ["color": "purple"]))
            #expect(invalid.status == 422)
            #expect(invalid.json["reason"] == "Invalid")
            #expect(invalid.json.causeFields == ["spec.size", "spec.color"])
            #expect(invalid.json["message"]?.stringValue?.hasPrefix("Widget.example.dev \"bad\" is invalid: [") == true)
            let reasons = invalid.json["details"]?["causes"]?.arrayValue?.compactMap { $0["reason"]?.stringValue } ?? []
            #expect(Set(reasons) == ["FieldValueInvalid", "FieldValueNotSupported"])
            let missing = try await server.post(Paths.widgets(), ["apiVersion": "example.dev/v1", "kind": "Widget",
                                                                  "metadata": ["name": "m"], "spec": [:]])
            #expect(missing.json.causeFields == ["spec.size"])
            #expect(missing.json["details"]?["causes"]?[0]?["reason"] == "FieldValueRequired")
            let wrongType = try await server.post(Paths.widgets(), Sample.widget("t", extra: ["labels": ["a": 1]]))
            #expect(wrongType.json.causeFields == ["spec.labels.a"])
        }
    }

    @Test func defaultsAreAppliedAndUnknownFieldsPruned() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let body = Sample.widget("w", extra: ["bogus": "x", "free": ["anything": ["goes": true]]])
            let created = try await server.request("POST", Paths.widgets() + "?fieldValidation=Ignore", body: body)
            #expect(created.status == 201)
            #expect(created.json["spec"]?["color"] == "red")
            #expect(created.json["spec"]?["maxSize"] == 8)
            #expect(created.json["spec"]?["bogus"] == nil)
            #expect(created.json["spec"]?["free"] == ["anything": ["goes": true]])
        }
    }

    @Test func strictFieldValidationRejectsUnknownFieldsAndWarnWarns() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let strict = try await server.request("POST", Paths.widgets() + "?fieldValidation=Strict",
                                                  body: Sample.widget("s", extra: ["bogus": 1]))
            #expect(strict.status == 400)
            #expect(strict.json["message"] == "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.bogus\"")
            let warn = try await server.request("POST", Paths.widgets() + "?fieldValidation=Warn",
                                                body: Sample.widget("w", extra: ["bogus": 1]))
            #expect(warn.status == 201)
            #expect(warn.headers["warning"] == "299 - \"unknown field \\\"spec.bogus\\\"\"")
        }
    }

    @Test func celRulesAreEnforced() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let tooBig = try await server.post(Paths.widgets(), Sample.widget("w", size: 9))
            #expect(tooBig.status == 422)
            #expect(tooBig.json["details"]?["causes"]?[0]?["message"]?.stringValue?.contains("size must not exceed maxSize") == true)
            let allowed = try await server.post(Paths.widgets(), Sample.widget("ok", size: 9, extra: ["maxSize": 10]))
            #expect(allowed.status == 201)
        }
    }

    @Test func tablesUsePrinterColumns() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            var widget = try await server.post(Paths.widgets(), Sample.widget("w", size: 4)).json
            widget["status"] = ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]
            _ = try await server.put(Paths.widgets("default", "w") + "/status", widget)
            let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
            let table = try await server.get(Paths.widgets(), accept: accept)
            #expect(table.headers["content-type"]?.contains("as=Table") == true)
            #expect(table.json["kind"] == "Table")
            let columns = table.json["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(columns == ["Name", "Size", "Phase", "Ready"])
            #expect(table.json["rows"]?[0]?["cells"] == ["w", 4, "Running", "True"])
            #expect(table.json["rows"]?[0]?["object"]?["kind"] == "PartialObjectMetadata")
            let single = try await server.get(Paths.widgets("default", "w"), accept: accept)
            #expect(single.json["rows"]?.arrayValue?.count == 1)
            // Without printer columns a CRD prints Name and Age.
            let crds = try await server.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", accept: accept).json
            #expect(crds["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Name", "Created At"])
        }
    }

    @Test func invalidCRDsAreRejected() async throws {
        try await withServer { server in
            var crd = Sample.widgetCRD
            crd.assign(["metadata", "name"], "wrong.example.dev")
            let response = try await server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            #expect(response.status == 422)
            #expect(response.json.causeFields.contains("metadata.name"))
        }
    }

    @Test func clusterScopedCustomResources() async throws {
        try await withServer { server in
            var crd = Sample.widgetCRD
            crd.assign(["metadata", "name"], "gadgets.example.dev")
            crd.assign(["spec", "scope"], "Cluster")
            crd.assign(["spec", "names"], ["kind": "Gadget", "plural": "gadgets"])
            #expect(try await server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status == 201)
            let created = try await server.post("/apis/example.dev/v1/gadgets",
                                                ["apiVersion": "example.dev/v1", "kind": "Gadget",
                                                 "metadata": ["name": "g"], "spec": ["size": 1]])
            #expect(created.status == 201)
            #expect(created.json["metadata"]?["namespace"] == nil)
            #expect(try await server.get("/apis/example.dev/v1/namespaces/default/gadgets").status == 404)
        }
    }
}
