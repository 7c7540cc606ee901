import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

@Suite struct ClientVerbTests {
    @Test func createGetUpdateDeleteSecretOverTLS() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            var secret = Secret(metadata: ObjectMeta(name: "db", namespace: "default", labels: ["app": "db"]),
                                data: ["password": Data("s3cret".utf8)])
            let created = try await client.create(secret)
            #expect(created.metadata.uid?.isEmpty == false)
            #expect(created.metadata.resourceVersion != nil)
            #expect(created.metadata.creationTimestamp != nil)

            let fetched = try await client.get(Secret.self, name: "db", namespace: "default")
            #expect(fetched.data["password"] == Data("s3cret".utf8))

            secret = fetched
            secret.data["user"] = Data("admin".utf8)
            let updated = try await client.update(secret)
            #expect(updated.metadata.resourceVersion != fetched.metadata.resourceVersion)

            try await client.delete(Secret.self, name: "db", namespace: "default")
            await #expect(throws: KubernetesError.self) { try await client.get(Secret.self, name: "db", namespace: "default") }
            do {
                _ = try await client.get(Secret.self, name: "db", namespace: "default")
            } catch let error as KubernetesError {
                #expect(error.isNotFound)
                #expect(error.status?.details?.name == "db")
            }
        }
    }

    @Test func staleUpdateIsATypedConflict() async throws {
        try await withCluster { cluster in
            let created = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: "default"),
                                                                    data: ["a": "1"]))
            var first = created
            first.data = ["a": "2"]
            _ = try await cluster.client.update(first)
            var stale = created
            stale.data = ["a": "3"]
            do {
                _ = try await cluster.client.update(stale)
                Issue.record("a stale update must fail")
            } catch let error as KubernetesError {
                guard case .conflict(let status) = error else { Issue.record("expected conflict, got \(error)"); return }
                #expect(status.code == 409)
                #expect(status.message?.contains("the object has been modified") == true)
            }
            do {
                _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: "default")))
                Issue.record("a duplicate create must fail")
            } catch let error as KubernetesError {
                #expect(error.isAlreadyExists)
            }
        }
    }

    @Test func invalidCustomResourceReportsFieldCauses() async throws {
        try await withCluster { cluster in
            var widget = Widget(name: "w", size: 50)
            widget.spec.color = "purple"
            do {
                _ = try await cluster.client.create(widget)
                Issue.record("an invalid widget must be rejected")
            } catch let error as KubernetesError {
                guard case .invalid = error else { Issue.record("expected 422, got \(error)"); return }
                let fields = Set(error.causes.compactMap(\.field))
                #expect(fields.contains("spec.size"))
                #expect(fields.contains("spec.color"))
            }
            // Defaults are applied.
            let created = try await cluster.client.create(Widget(name: "ok", size: 3))
            #expect(created.spec.color == "red")
        }
    }

    @Test func statusSubresourceAndPatches() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            var widget = try await client.create(Widget(name: "w", size: 2))
            #expect(widget.metadata.generation == 1)

            widget.status = Widget.Status(phase: "Ready", conditions: [
                Condition(type: "Ready", status: .true, reason: "Done", message: "", observedGeneration: 1,
                          lastTransitionTime: Date(timeIntervalSince1970: 1_800_000_000)),
            ])
            let withStatus = try await client.updateStatus(widget)
            #expect(withStatus.status?.phase == "Ready")
            #expect(withStatus.metadata.generation == 1)

            // A status change through the main resource is ignored.
            var sneaky = withStatus
            sneaky.status?.phase = "Hacked"
            sneaky.spec.size = 3
            let afterPut = try await client.update(sneaky)
            #expect(afterPut.status?.phase == "Ready")
            #expect(afterPut.metadata.generation == 2)

            let merged = try await client.patch(Widget.self, name: "w", namespace: "default",
                                                patch: .merge(["metadata": ["labels": ["tier": "gold"]], "spec": ["size": 4]]))
            #expect(merged.metadata.labels["tier"] == "gold")
            #expect(merged.spec.size == 4)

            let jsonPatched = try await client.patch(Widget.self, name: "w", namespace: "default",
                                                     patch: .json([["op": "replace", "path": "/spec/size", "value": 5]]))
            #expect(jsonPatched.spec.size == 5)

            let statusPatched = try await client.patch(Widget.self, name: "w", namespace: "default",
                                                       patch: .merge(["status": ["phase": "Patched"]]), subresource: "status")
            #expect(statusPatched.status?.phase == "Patched")
        }
    }

    @Test func deletePreconditionsAndFinalizers() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            var meta = ObjectMeta(name: "held", namespace: "default")
            meta.finalizers = ["keyward.dev/test"]
            let created = try await client.create(ConfigMap(metadata: meta))
            do {
                try await client.delete(ConfigMap.self, name: "held", namespace: "default",
                                        options: DeleteOptions(preconditions: .init(uid: "not-the-uid")))
                Issue.record("a wrong uid precondition must fail")
            } catch let error as KubernetesError {
                #expect(error.isConflict)
            }
            try await client.delete(ConfigMap.self, name: "held", namespace: "default",
                                    options: DeleteOptions(propagationPolicy: .foreground,
                                                           preconditions: .init(uid: created.metadata.uid)))
            var terminating = try await client.get(ConfigMap.self, name: "held", namespace: "default")
            #expect(terminating.metadata.deletionTimestamp != nil)
            terminating.metadata.finalizers = []
            _ = try await client.update(terminating)
            await #expect(throws: KubernetesError.self) { try await client.get(ConfigMap.self, name: "held", namespace: "default") }
        }
    }

    @Test func listSelectorsAndPagination() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            for i in 0..<7 {
                let labels = ["app": i % 2 == 0 ? "web" : "db", "keyward.dev/owned": "true"]
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm-\(i)", namespace: "default", labels: labels)))
            }
            _ = try await client.create(Namespace(name: "other"))
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "elsewhere", namespace: "other")))

            let web = try await client.list(ConfigMap.self, in: .namespace("default"), options: ListOptions(labelSelector: "app=web"))
            #expect(web.items.count == 4)
            let notWeb = try await client.list(ConfigMap.self, in: .namespace("default"),
                                               options: ListOptions(labelSelector: "app in (db),keyward.dev/owned"))
            #expect(notWeb.items.count == 3)
            let byName = try await client.list(ConfigMap.self, in: .allNamespaces,
                                               options: ListOptions(fieldSelector: "metadata.name=elsewhere"))
            #expect(byName.items.map(\.metadata.namespace) == ["other"])

            let firstPage = try await client.list(ConfigMap.self, in: .namespace("default"), options: ListOptions(limit: 3))
            #expect(firstPage.items.count == 3)
            #expect(firstPage.metadata.continue?.isEmpty == false)
            let all = try await client.listAll(ConfigMap.self, in: .namespace("default"), options: ListOptions(limit: 2))
            #expect(Set(all.items.map(\.metadata.name)).count == 7)
            #expect(all.metadata.resourceVersion != nil)
        }
    }

    @Test func unknownMetadataFieldsSurviveARoundTrip() throws {
        let json = #"{"metadata":{"name":"x","namespace":"n","managedFields":[{"manager":"kubectl"}],"selfLink":"/x"},"type":"Opaque","data":{},"futureField":{"a":1}}"#
        let secret = try KubeJSON.makeDecoder().decode(Secret.self, from: Data(json.utf8))
        #expect(secret.metadata.unknownFields["managedFields"] == [["manager": "kubectl"]])
        let reencoded = try JSONValue.parse(KubeJSON.makeEncoder().encode(secret))
        #expect(reencoded["metadata"]?["managedFields"] == [["manager": "kubectl"]])
        #expect(reencoded["metadata"]?["selfLink"] == "/x")
        #expect(reencoded["futureField"] == ["a": 1])
    }
}
