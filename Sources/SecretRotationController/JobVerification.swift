import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import RotationStrategies

/// batch/v1 Job, only as far as verification needs it: the spec is passed through as JSON.
public struct VerificationJob: HasStatusSubresource, Hashable {
    public static let group = "batch"
    public static let version = "v1"
    public static let kind = "Job"
    public static let plural = "jobs"
    public static let isNamespaced = true

    public struct Status: Codable, Sendable, Hashable {
        public struct Condition: Codable, Sendable, Hashable {
            public var type: String
            public var status: String
            public var reason: String?
        }
        public var succeeded: Int?
        public var failed: Int?
        public var conditions: [Condition]?
    }

    public var metadata: ObjectMeta
    public var spec: JSONValue
    public var status: Status?

    public init(metadata: ObjectMeta, spec: JSONValue, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    var verdict: Bool? {
        let conditions = status?.conditions ?? []
        if (status?.succeeded ?? 0) > 0 || conditions.contains(where: { $0.type == "Complete" && $0.status == "True" }) {
            return true
        }
        if (status?.failed ?? 0) > 0 || conditions.contains(where: { $0.type == "Failed" && $0.status == "True" }) {
            return false
        }
        return nil
    }
}

/// `spec.verify.job`: runs the user's Job with the candidate mounted read-only, and passes when it completes.
///
/// The Job and the Secret holding the candidate are named after the candidate's hash, so a restarted controller
/// finds the Job it already started instead of starting another. Both are owned by the SecretRotation (garbage
/// collected with it) and deleted as soon as the verdict is in: the candidate copy lives no longer than needed.
struct JobVerification {
    let store: any ResourceStore

    static let volumeName = "keyward-candidate"

    func run(_ check: SecretRotation.JobCheck, candidate: [String: Data], rotation: SecretRotation,
             now: Date) async throws -> VerificationOutcome {
        let namespace = rotation.metadata.namespace ?? "default"
        let suffix = String(ValuesHash.of(candidate).prefix(10))
        let base = String(rotation.metadata.name.prefix(40))
        let jobName = "\(base)-verify-\(suffix)"
        let secretName = "\(base)-candidate-\(suffix)"
        let owner = rotation.metadata.uid.map { _ in [OwnerReference(controlledBy: rotation)] } ?? []

        if try await store.get(Secret.self, namespace: namespace, name: secretName) == nil {
            var meta = ObjectMeta(name: secretName, namespace: namespace, labels: KeywardLabels.standard,
                                  ownerReferences: owner)
            meta.annotations[KeywardAnnotations.secretRotationName] = rotation.metadata.name
            do { _ = try await store.create(Secret(metadata: meta, data: candidate)) } catch StoreError.alreadyExists {}
        }
        var job = try await store.get(VerificationJob.self, namespace: namespace, name: jobName)
        if job == nil {
            let meta = ObjectMeta(name: jobName, namespace: namespace, labels: KeywardLabels.standard,
                                  ownerReferences: owner)
            do {
                job = try await store.create(VerificationJob(metadata: meta, spec: Self.jobSpec(check.template,
                                                                                                 secretName: secretName)))
            } catch StoreError.alreadyExists {
                job = try await store.get(VerificationJob.self, namespace: namespace, name: jobName)
            }
        }
        guard let job else { return .pending(until: now.addingTimeInterval(1)) }
        let started = job.metadata.creationTimestamp ?? now
        let deadline = started.addingTimeInterval(check.timeout.duration?.timeInterval ?? 300)
        let outcome: VerificationOutcome
        switch job.verdict {
        case true?: outcome = .passed
        case false?: outcome = .failed(reason: "verification Job \(jobName) failed")
        case nil:
            if now >= deadline {
                outcome = .failed(reason: "verification Job \(jobName) did not complete within \(check.timeout)")
            } else {
                return .pending(until: min(deadline, now.addingTimeInterval(5)))
            }
        }
        try await cleanUp(job: jobName, secret: secretName, namespace: namespace)
        return outcome
    }

    private func cleanUp(job: String, secret: String, namespace: String) async throws {
        if let kubernetes = store as? KubernetesStore {
            // The API's default for Jobs orphans their pods; background propagation removes them too.
            do {
                try await kubernetes.client.delete(VerificationJob.self, name: job, namespace: namespace,
                                                   options: DeleteOptions(propagationPolicy: .background))
            } catch let error as KubernetesError where error.isNotFound {}
        } else {
            try await store.delete(VerificationJob.self, namespace: namespace, name: job)
        }
        try await store.delete(Secret.self, namespace: namespace, name: secret)
    }

    /// The user's JobSpec with the candidate volume mounted read-only in every container, `backoffLimit: 0` and
    /// `restartPolicy: Never` unless given (a verification is one attempt, not a retry loop).
    static func jobSpec(_ template: JSONValue, secretName: String) -> JSONValue {
        var spec = template.objectValue ?? [:]
        if spec["backoffLimit"] == nil { spec["backoffLimit"] = 0 }
        var podTemplate = spec["template"]?.objectValue ?? [:]
        var podSpec = podTemplate["spec"]?.objectValue ?? [:]
        if podSpec["restartPolicy"] == nil { podSpec["restartPolicy"] = "Never" }
        var volumes = podSpec["volumes"]?.arrayValue ?? []
        volumes.removeAll { $0["name"]?.stringValue == volumeName }
        volumes.append(["name": .string(volumeName), "secret": ["secretName": .string(secretName)]])
        podSpec["volumes"] = .array(volumes)
        podSpec["containers"] = .array((podSpec["containers"]?.arrayValue ?? []).map { container in
            var c = container.objectValue ?? [:]
            var mounts = c["volumeMounts"]?.arrayValue ?? []
            mounts.removeAll { $0["name"]?.stringValue == volumeName }
            mounts.append(["name": .string(volumeName), "mountPath": .string(SecretRotation.JobCheck.candidateMountPath),
                           "readOnly": true])
            c["volumeMounts"] = .array(mounts)
            return .object(c)
        })
        podTemplate["spec"] = .object(podSpec)
        spec["template"] = .object(podTemplate)
        return .object(spec)
    }
}
