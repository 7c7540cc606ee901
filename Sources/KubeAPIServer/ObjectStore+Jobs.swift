import Foundation
import KeywardCore

// MARK: Job simulation

extension ObjectStore {
    /// Plays the batch/v1 Job controller for one finished run: the status it writes when the pod succeeded or
    /// failed (counts, start/completion time, the terminal condition). Returns false when there is no such Job.
    func finishJob(namespace: String, name: String, succeeded: Bool) -> Bool {
        guard let def = definitions["batch/jobs"] else { return false }
        let key = Self.objectKey(namespace: namespace, name: name)
        guard let current = objects[def.key]?[key], !current.isBeingDeleted else { return false }
        let timestamp = JSONValue.string(Timestamp.seconds(now))
        var status = current["status"]?.objectValue ?? [:]
        if status["startTime"] == nil { status["startTime"] = timestamp }
        status["active"] = 0
        status["ready"] = 0
        let condition: JSONValue
        if succeeded {
            status["succeeded"] = .int((status["succeeded"]?.intValue ?? 0) + 1)
            status["completionTime"] = timestamp
            condition = ["type": "Complete", "status": "True", "lastProbeTime": timestamp,
                         "lastTransitionTime": timestamp]
        } else {
            status["failed"] = .int((status["failed"]?.intValue ?? 0) + 1)
            condition = ["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                         "message": "Job has reached the specified backoff limit", "lastProbeTime": timestamp,
                         "lastTransitionTime": timestamp]
        }
        status["conditions"] = .array((status["conditions"]?.arrayValue ?? []) + [condition])
        var updated = current
        updated["status"] = .object(status)
        commit(.modified, def: def, objectKey: key, object: updated, previous: current)
        return true
    }
}
