import Foundation
import KeywardCore
import KubernetesClient

/// The parts of a pod template that consumer tracking reads: which Secrets it references, and its annotations
/// (where a rollout is triggered). Everything else is kept as JSON and never rewritten by Keyward — workloads
/// are only ever patched.
public struct PodTemplate: Codable, Sendable, Hashable {
    public struct Metadata: Codable, Sendable, Hashable {
        public var labels: [String: String]?
        public var annotations: [String: String]?
    }
    public var metadata: Metadata?
    public var spec: JSONValue?

    /// Names of Secrets referenced by volumes, env `secretKeyRef`, envFrom `secretRef` and projected volumes.
    public var referencedSecretNames: Set<String> {
        var names = Set<String>()
        guard let spec else { return names }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            if let n = volume["secret"]?["secretName"]?.stringValue { names.insert(n) }
            for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
                if let n = source["secret"]?["name"]?.stringValue { names.insert(n) }
            }
        }
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        for container in containers {
            for env in container["env"]?.arrayValue ?? [] {
                if let n = env["valueFrom"]?["secretKeyRef"]?["name"]?.stringValue { names.insert(n) }
            }
            for from in container["envFrom"]?.arrayValue ?? [] {
                if let n = from["secretRef"]?["name"]?.stringValue { names.insert(n) }
            }
        }
        return names
    }
}

/// What Deployments, StatefulSets and DaemonSets share for rollout tracking (`kubectl rollout status` rules).
public protocol Workload: KubernetesResource {
    var template: PodTemplate { get }
    /// True when the controller has observed the latest spec and every replica runs the latest template.
    var isRolledOut: Bool { get }
    /// (updated, desired) replica counts for progress display.
    var rolloutProgress: (updated: Int, desired: Int) { get }
}

public struct Deployment: Workload, Hashable {
    public static let group = "apps"
    public static let version = "v1"
    public static let kind = "Deployment"
    public static let plural = "deployments"
    public static let isNamespaced = true

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int?
        public var template: PodTemplate
    }
    public struct Status: Codable, Sendable, Hashable {
        public var observedGeneration: Int64?
        public var replicas: Int?
        public var updatedReplicas: Int?
        public var readyReplicas: Int?
        public var availableReplicas: Int?
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public var template: PodTemplate { spec.template }
    public var rolloutProgress: (updated: Int, desired: Int) { (status?.updatedReplicas ?? 0, spec.replicas ?? 1) }
    public var isRolledOut: Bool {
        guard let status, let observed = status.observedGeneration, observed >= (metadata.generation ?? 0) else { return false }
        let desired = spec.replicas ?? 1
        return (status.updatedReplicas ?? 0) >= desired && (status.replicas ?? 0) <= (status.updatedReplicas ?? 0)
            && (status.availableReplicas ?? status.readyReplicas ?? 0) >= desired
    }
}

public struct StatefulSet: Workload, Hashable {
    public static let group = "apps"
    public static let version = "v1"
    public static let kind = "StatefulSet"
    public static let plural = "statefulsets"
    public static let isNamespaced = true

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int?
        public var template: PodTemplate
    }
    public struct Status: Codable, Sendable, Hashable {
        public var observedGeneration: Int64?
        public var replicas: Int?
        public var updatedReplicas: Int?
        public var readyReplicas: Int?
        public var currentRevision: String?
        public var updateRevision: String?
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public var template: PodTemplate { spec.template }
    public var rolloutProgress: (updated: Int, desired: Int) { (status?.updatedReplicas ?? 0, spec.replicas ?? 1) }
    public var isRolledOut: Bool {
        guard let status, let observed = status.observedGeneration, observed >= (metadata.generation ?? 0) else { return false }
        let desired = spec.replicas ?? 1
        return (status.updatedReplicas ?? 0) >= desired && (status.readyReplicas ?? 0) >= desired
    }
}

public struct DaemonSet: Workload, Hashable {
    public static let group = "apps"
    public static let version = "v1"
    public static let kind = "DaemonSet"
    public static let plural = "daemonsets"
    public static let isNamespaced = true

    public struct Spec: Codable, Sendable, Hashable {
        public var template: PodTemplate
    }
    public struct Status: Codable, Sendable, Hashable {
        public var observedGeneration: Int64?
        public var desiredNumberScheduled: Int?
        public var updatedNumberScheduled: Int?
        public var numberReady: Int?
        public var numberAvailable: Int?
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public var template: PodTemplate { spec.template }
    public var rolloutProgress: (updated: Int, desired: Int) {
        (status?.updatedNumberScheduled ?? 0, status?.desiredNumberScheduled ?? 0)
    }
    public var isRolledOut: Bool {
        guard let status, let observed = status.observedGeneration, observed >= (metadata.generation ?? 0) else { return false }
        let desired = status.desiredNumberScheduled ?? 0
        return (status.updatedNumberScheduled ?? 0) >= desired && (status.numberAvailable ?? status.numberReady ?? 0) >= desired
    }
}
