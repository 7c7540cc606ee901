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

/// `spec.verify.job`: runs the user's containers with the candidate mounted read-only, and passes when the Job
/// completes.
///
/// The tenant supplies containers only (validation refuses anything else); the operator builds the pod around them
/// so a verification cannot run with more than the namespace's defaults: the `default` service account (another
/// only when the operator allows it) with no token mounted, the candidate volume and nothing else, and the
/// restricted Pod Security profile.
///
/// The Job and the Secret holding the candidate are named after the candidate's hash, so a restarted controller
/// finds the Job it already started instead of starting another. Both are owned by the SecretRotation (garbage
/// collected with it) and deleted as soon as the verdict is in: the candidate copy lives no longer than needed.
struct JobVerification {
    let store: any ResourceStore
    /// `namespace/name` or `*/name` entries from `--verify-job-service-accounts`.
    let allowedServiceAccounts: Set<String>
    /// Names the Job after the candidate without revealing a guessable hash of it.
    var hasher: ValuesHasher = .unkeyed

    static let volumeName = "keyward-candidate"
    static let defaultServiceAccount = "default"
    /// The user `nobody`: images that default to root still start under runAsNonRoot.
    static let unprivilegedID: Int64 = 65534

    func run(_ check: SecretRotation.JobCheck, candidate: [String: Data], rotation: SecretRotation,
             now: Date) async throws -> VerificationOutcome {
        let namespace = rotation.metadata.namespace ?? "default"
        let account = check.serviceAccountName ?? Self.defaultServiceAccount
        guard account == Self.defaultServiceAccount || allowedServiceAccounts.contains("\(namespace)/\(account)")
                || allowedServiceAccounts.contains("*/\(account)") else {
            return .failed(reason: "spec.verify.job.serviceAccountName: \"\(account)\" is not allowed for verification "
                           + "Jobs in \(namespace) (the operator's --verify-job-service-accounts)")
        }
        let (jobName, secretName) = Self.names(rotation: rotation.metadata.name, valuesHash: hasher.of(candidate))
        let owner = rotation.metadata.uid.map { _ in [OwnerReference(controlledBy: rotation)] } ?? []
        let timeout = check.timeout.duration?.timeInterval ?? 300

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
            let spec = Self.jobSpec(containers: check.template["template"]?["spec"]?["containers"]?.arrayValue ?? [],
                                    secretName: secretName, serviceAccount: account, timeout: timeout)
            do {
                job = try await store.create(VerificationJob(metadata: meta, spec: spec))
            } catch StoreError.alreadyExists {
                job = try await store.get(VerificationJob.self, namespace: namespace, name: jobName)
            }
        }
        guard let job else { return .pending(until: now.addingTimeInterval(1)) }
        let started = job.metadata.creationTimestamp ?? now
        let deadline = started.addingTimeInterval(timeout)
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
        try await Self.cleanUp(job: jobName, secret: secretName, namespace: namespace, store: store)
        return outcome
    }

    /// The Job's and the candidate Secret's names for a candidate, from the keyed hash's stamp: Job names are
    /// visible to more people than Secrets.
    static func names(rotation: String, valuesHash: String) -> (job: String, secret: String) {
        let suffix = String(ValuesHash.revisionStamp(valuesHash: valuesHash).prefix(10))
        let base = nameBase(rotation)
        return ("\(base)-verify-\(suffix)", "\(base)-candidate-\(suffix)")
    }

    /// Deletes the Job and candidate Secret of the candidate `valuesHash` names, if they exist: a candidate dropped
    /// before its Job decided (rolled back, replaced, its check removed) must not leave its copy of the values.
    static func discard(valuesHash: String, rotation: SecretRotation, store: any ResourceStore) async throws {
        let (job, secret) = Self.names(rotation: rotation.metadata.name, valuesHash: valuesHash)
        try await cleanUp(job: job, secret: secret, namespace: rotation.metadata.namespace ?? "default", store: store)
    }

    private static func cleanUp(job: String, secret: String, namespace: String, store: any ResourceStore) async throws {
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

    /// The Job the operator runs: one attempt (`backoffLimit: 0`, `restartPolicy: Never`), bounded by the check's
    /// timeout, around the user's containers (only their allowed fields are copied) with the candidate mounted.
    /// The first 40 characters of the rotation's name, for the Job's and candidate Secret's names. A cut may end at
    /// a `.` or `-` ("…a.-verify-…" is not a valid name): those are trimmed, and a valid name always starts with a
    /// letter or digit, so something is left.
    static func nameBase(_ name: String) -> String {
        var base = Substring(name.prefix(40))
        while let last = base.last, last == "." || last == "-" { base = base.dropLast() }
        return String(base)
    }

    static func jobSpec(containers: [JSONValue], secretName: String, serviceAccount: String,
                        timeout: TimeInterval) -> JSONValue {
        let restricted: JSONValue = [
            "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
            "capabilities": ["drop": ["ALL"]], "seccompProfile": ["type": "RuntimeDefault"],
        ]
        let built: [JSONValue] = containers.map { container in
            var c: JSONObject = [:]
            for (key, value) in container.objectValue ?? [:]
            where SecretRotation.JobCheck.allowedContainerFields.contains(key) {
                c[key] = value
            }
            c["volumeMounts"] = [["name": .string(volumeName), "mountPath": .string(SecretRotation.JobCheck.candidateMountPath),
                                  "readOnly": true]]
            c["securityContext"] = restricted
            return .object(c)
        }
        let podSpec: JSONValue = [
            "restartPolicy": "Never",
            "serviceAccountName": .string(serviceAccount),
            "automountServiceAccountToken": false,
            "enableServiceLinks": false,
            "securityContext": [
                "runAsNonRoot": true, "runAsUser": .int(unprivilegedID), "runAsGroup": .int(unprivilegedID),
                "seccompProfile": ["type": "RuntimeDefault"],
            ],
            "volumes": [["name": .string(volumeName), "secret": ["secretName": .string(secretName)]]],
            "containers": .array(built),
        ]
        return [
            "backoffLimit": 0,
            "activeDeadlineSeconds": .int(Int64(max(1, min(timeout.rounded(.up), 86_400 * 7)))),
            "template": ["spec": podSpec],
        ]
    }
}
