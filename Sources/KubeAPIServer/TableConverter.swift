import Foundation
import KeywardCore

/// `meta.k8s.io/v1` Tables, which `kubectl get` asks for: built-in kinds print their usual columns, custom
/// resources print Name plus their additionalPrinterColumns (Age when they declare none), with cells computed
/// server-side exactly as apiextensions-apiserver does (dates become ages).
enum TableConverter {
    static let nameColumn = PrinterColumn(
        name: "Name", type: "string", format: "name",
        description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")

    private static func ageColumn() -> PrinterColumn {
        PrinterColumn(name: "Age", type: "string",
                      description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
    }

    static func columns(_ def: ResourceDefinition, version: String) -> [PrinterColumn] {
        func c(_ name: String, _ type: String = "string", priority: Int = 0, _ description: String = "") -> PrinterColumn {
            PrinterColumn(name: name, type: type, description: description, priority: priority)
        }
        switch def.behavior {
        case .custom: return [nameColumn] + (def.printerColumns[version] ?? [])
        case .namespace: return [nameColumn, c("Status", "string", "The status of the namespace"), ageColumn()]
        case .secret: return [nameColumn, c("Type"), c("Data", "string"), ageColumn()]
        case .configMap: return [nameColumn, c("Data", "string"), ageColumn()]
        case .serviceAccount: return [nameColumn, c("Secrets", "string"), ageColumn()]
        case .lease: return [nameColumn, c("Holder"), ageColumn()]
        case .event:
            return [c("Last Seen"), c("Type"), c("Reason"), c("Object"), c("Message")]
        case .deployment:
            return [nameColumn, c("Ready"), c("Up-to-date", "integer"), c("Available", "integer"), ageColumn(),
                    c("Containers", priority: 1), c("Images", priority: 1), c("Selector", priority: 1)]
        case .statefulSet:
            return [nameColumn, c("Ready"), ageColumn(), c("Containers", priority: 1), c("Images", priority: 1)]
        case .daemonSet:
            return [nameColumn, c("Desired", "integer"), c("Current", "integer"), c("Ready", "integer"),
                    c("Up-to-date", "integer"), c("Available", "integer"), c("Node Selector"), ageColumn(),
                    c("Containers", priority: 1), c("Images", priority: 1), c("Selector", priority: 1)]
        case .job:
            return [nameColumn, c("Status"), c("Completions"), c("Duration"), ageColumn(),
                    c("Containers", priority: 1), c("Images", priority: 1), c("Selector", priority: 1)]
        case .ingress: return [nameColumn, c("Class"), c("Hosts"), c("Address"), c("Ports"), ageColumn()]
        case .httpRoute: return [nameColumn, c("Hostnames"), ageColumn()]
        case .customResourceDefinition: return [nameColumn, c("Created At", "date")]
        }
    }

    static func cells(_ object: JSONValue, _ def: ResourceDefinition, version: String, now: Date) -> [JSONValue] {
        let name = JSONValue.string(object.name)
        let age = JSONValue.string(age(object["metadata"]?["creationTimestamp"], now: now))
        func int(_ v: JSONValue?) -> JSONValue { .int(v?.intValue ?? 0) }
        func containers() -> [JSONValue] { object["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? [] }
        func joined(_ field: String) -> JSONValue {
            .string(containers().compactMap { $0[field]?.stringValue }.joined(separator: ","))
        }
        func selector() -> JSONValue {
            let labels = object["spec"]?["selector"]?["matchLabels"]?.objectValue ?? [:]
            return .string(labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ","))
        }
        switch def.behavior {
        case .custom:
            return [name] + (def.printerColumns[version] ?? []).map { customCell($0, object, now: now) }
        case .namespace: return [name, object["status"]?["phase"] ?? "", age]
        case .secret:
            return [name, object["type"] ?? "Opaque", .int(Int64(object["data"]?.objectValue?.count ?? 0)), age]
        case .configMap:
            let count = (object["data"]?.objectValue?.count ?? 0) + (object["binaryData"]?.objectValue?.count ?? 0)
            return [name, .int(Int64(count)), age]
        case .serviceAccount: return [name, .int(Int64(object["secrets"]?.arrayValue?.count ?? 0)), age]
        case .lease: return [name, object["spec"]?["holderIdentity"] ?? "", age]
        case .event:
            let last = object["lastTimestamp"] ?? object["eventTime"] ?? object["metadata"]?["creationTimestamp"]
            let involved = object["involvedObject"] ?? object["regarding"] ?? .object([:])
            let kind = involved["kind"]?.stringValue?.lowercased() ?? ""
            return [.string(self.age(last, now: now)), object["type"] ?? "", object["reason"] ?? "",
                    .string("\(kind)/\(involved["name"]?.stringValue ?? "")"), object["message"] ?? object["note"] ?? ""]
        case .deployment:
            let replicas = object["spec"]?["replicas"]?.intValue ?? 1
            let ready = object["status"]?["readyReplicas"]?.intValue ?? 0
            return [name, .string("\(ready)/\(replicas)"), int(object["status"]?["updatedReplicas"]),
                    int(object["status"]?["availableReplicas"]), age, joined("name"), joined("image"), selector()]
        case .statefulSet:
            let replicas = object["spec"]?["replicas"]?.intValue ?? 1
            let ready = object["status"]?["readyReplicas"]?.intValue ?? 0
            return [name, .string("\(ready)/\(replicas)"), age, joined("name"), joined("image")]
        case .daemonSet:
            let status = object["status"] ?? .object([:])
            let nodeSelector = object["spec"]?["template"]?["spec"]?["nodeSelector"]?.objectValue ?? [:]
            let ns = nodeSelector.isEmpty ? "<none>" : nodeSelector.keys.sorted().map { "\($0)=\(nodeSelector[$0]?.stringValue ?? "")" }.joined(separator: ",")
            return [name, int(status["desiredNumberScheduled"]), int(status["currentNumberScheduled"]),
                    int(status["numberReady"]), int(status["updatedNumberScheduled"]), int(status["numberAvailable"]),
                    .string(ns), age, joined("name"), joined("image"), selector()]
        case .job:
            let status = object["status"] ?? .object([:])
            let conditions = status["conditions"]?.arrayValue ?? []
            func has(_ type: String) -> Bool { conditions.contains { $0["type"] == .string(type) && $0["status"] == "True" } }
            let state = has("Complete") ? "Complete" : has("Failed") ? "Failed" : "Running"
            let completions = object["spec"]?["completions"]?.intValue ?? 1
            var duration = ""
            if let start = status["startTime"]?.stringValue.flatMap(Timestamp.parse) {
                let end = status["completionTime"]?.stringValue.flatMap(Timestamp.parse) ?? now
                duration = Timestamp.humanDuration(end.timeIntervalSince(start))
            }
            return [name, .string(state), .string("\(status["succeeded"]?.intValue ?? 0)/\(completions)"), .string(duration),
                    age, joined("name"), joined("image"), selector()]
        case .ingress:
            let rules = object["spec"]?["rules"]?.arrayValue ?? []
            let hosts = rules.compactMap { $0["host"]?.stringValue }.filter { !$0.isEmpty }
            let ports = (object["spec"]?["tls"]?.arrayValue ?? []).isEmpty ? "80" : "80, 443"
            let address = (object["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? [])
                .compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }.joined(separator: ",")
            return [name, object["spec"]?["ingressClassName"] ?? "<none>", .string(hosts.isEmpty ? "*" : hosts.joined(separator: ",")),
                    .string(address), .string(ports), age]
        case .httpRoute:
            let hostnames = (object["spec"]?["hostnames"]?.arrayValue ?? []).compactMap(\.stringValue)
            return [name, .string(hostnames.joined(separator: ",")), age]
        case .customResourceDefinition:
            return [name, object["metadata"]?["creationTimestamp"] ?? .null]
        }
    }

    static func age(_ timestamp: JSONValue?, now: Date) -> String {
        guard let s = timestamp?.stringValue, let date = Timestamp.parse(s) else { return "<unknown>" }
        return Timestamp.humanDuration(now.timeIntervalSince(date))
    }

    /// apiextensions-apiserver's cell rules: strings printed, numbers typed, dates as ages, missing as null.
    private static func customCell(_ column: PrinterColumn, _ object: JSONValue, now: Date) -> JSONValue {
        guard let value = column.jsonPath?.evaluate(object).first, value != .null else { return .null }
        switch column.type {
        case "string":
            switch value {
            case .string: return value
            case .int(let i): return .string(String(i))
            case .double(let d): return .string(FieldError.render(.double(d)))
            case .bool(let b): return .string(String(b))
            default: return .string(value.jsonString)
            }
        case "integer": return value.intValue.map(JSONValue.int) ?? .null
        case "number": return value.doubleValue.map(JSONValue.double) ?? .null
        case "boolean": return value.boolValue.map(JSONValue.bool) ?? .null
        case "date":
            guard let s = value.stringValue else { return .null }
            guard let date = Timestamp.parse(s) else { return "<invalid>" }
            return .string(Timestamp.humanDuration(now.timeIntervalSince(date)))
        default: return .null
        }
    }

    enum IncludeObject: String { case none = "None", metadata = "Metadata", object = "Object" }

    static func table(_ objects: [JSONValue], _ def: ResourceDefinition, version: String, now: Date,
                      listMetadata: JSONObject, include: IncludeObject, headers: Bool = true) -> JSONValue
    {
        let cols = columns(def, version: version)
        let rows: [JSONValue] = objects.map { object in
            var row: JSONObject = ["cells": .array(cells(object, def, version: version, now: now))]
            switch include {
            case .none: break
            case .metadata:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": object["metadata"] ?? .object([:])]
            case .object: row["object"] = object
            }
            return .object(row)
        }
        var table: JSONObject = [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(listMetadata), "rows": .array(rows),
        ]
        if headers {
            table["columnDefinitions"] = .array(cols.map { c in
                ["name": .string(c.name), "type": .string(c.type), "format": .string(c.format),
                 "description": .string(c.description), "priority": .int(Int64(c.priority))]
            })
        } else {
            table["columnDefinitions"] = .null
        }
        return .object(table)
    }
}
