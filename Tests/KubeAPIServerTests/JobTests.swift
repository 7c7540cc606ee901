import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// batch/v1 Jobs: defaulting, validation, immutable template, the status subresource, and the Job controller played
/// through `/_keyward/jobs/...` (no pods run here).
@Suite struct JobTests {
    static let path = "/apis/batch/v1/namespaces/default/jobs"

    static func job(_ name: String, restartPolicy: String? = "Never") -> JSONValue {
        var podSpec: JSONValue = ["containers": [["name": "check", "image": "busybox:1.36", "args": ["true"]]]]
        if let restartPolicy { podSpec.assign(["restartPolicy"], .string(restartPolicy)) }
        return ["metadata": ["name": .string(name)], "spec": ["template": ["spec": podSpec]]]
    }

    @Test func createdJobsAreDefaultedAndValidated() async throws {
        try await withServer { server in
            let created = try await server.post(Self.path, Self.job("verify"))
            #expect(created.status == 201)
            let spec = try #require(created.json["spec"])
            #expect(spec["backoffLimit"] == 6 && spec["completions"] == 1 && spec["parallelism"] == 1)
            #expect(spec["template"]?["spec"]?["restartPolicy"] == "Never")
            #expect(spec["template"]?["metadata"]?["labels"]?["batch.kubernetes.io/job-name"] == "verify")
            #expect(spec["selector"]?["matchLabels"]?["batch.kubernetes.io/job-name"] == "verify")
            #expect(created.json["status"] == [:] && created.json["metadata"]?["generation"] == 1)

            let always = try await server.post(Self.path, Self.job("always", restartPolicy: "Always"))
            #expect(always.status == 422 && always.json.causeFields.contains("spec.template.spec.restartPolicy"))
            let unset = try await server.post(Self.path, Self.job("unset", restartPolicy: nil))
            #expect(unset.status == 422 && unset.json.causeFields.contains("spec.template.spec.restartPolicy"))
            var negative = Self.job("negative")
            negative.assign(["spec", "backoffLimit"], -1)
            let refused = try await server.post(Self.path, negative)
            #expect(refused.status == 422 && refused.json.causeFields.contains("spec.backoffLimit"))

            var changed = created.json
            changed.assign(["spec", "template", "spec", "containers"], [["name": "check", "image": "evil:latest"]])
            let immutable = try await server.put("\(Self.path)/verify", changed)
            #expect(immutable.status == 422 && immutable.json.causeFields.contains("spec.template"))
        }
    }

    @Test func statusIsWrittenOnlyThroughTheSubresourceOrTheJobController() async throws {
        try await withServer { server in
            let created = try await server.post(Self.path, Self.job("verify")).json
            var forged = created
            forged.assign(["status"], ["succeeded": 1])
            #expect(try await server.put("\(Self.path)/verify", forged).status == 200)
            #expect(try await server.get("\(Self.path)/verify").json["status"] == [:], "the main resource ignores status")

            let complete = try await server.request("POST", "/_keyward/jobs/complete?namespace=default&name=verify")
            #expect(complete.status == 200)
            let done = try await server.get("\(Self.path)/verify").json["status"]
            #expect(done?["succeeded"] == 1 && done?["completionTime"] != nil && done?["startTime"] != nil)
            #expect(done?["conditions"]?.arrayValue?.contains { $0["type"] == "Complete" && $0["status"] == "True" } == true)

            _ = try await server.post(Self.path, Self.job("failing"))
            #expect(try await server.request("POST", "/_keyward/jobs/fail?namespace=default&name=failing").status == 200)
            let failed = try await server.get("\(Self.path)/failing").json["status"]
            #expect(failed?["failed"] == 1 && failed?["succeeded"] == nil)
            #expect(failed?["conditions"]?.arrayValue?.contains { $0["type"] == "Failed" && $0["status"] == "True" } == true)

            #expect(try await server.request("POST", "/_keyward/jobs/complete?namespace=default&name=nope").status == 400)

            // A direct status write is the other way tests play the controller.
            let patched = try await server.patch("\(Self.path)/failing/status", ["status": ["active": 1]])
            #expect(patched.status == 200 && patched.json["status"]?["active"] == 1)
        }
    }
}
