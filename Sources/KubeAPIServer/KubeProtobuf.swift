import Foundation
import KeywardCore

/// Decoding of the protobuf bodies kubectl's typed clients send for built-in kinds (`kubectl create secret`,
/// `create configmap`, `create namespace`), so those commands work as against kube-apiserver.
///
/// Only request bodies of those kinds are understood (field numbers from k8s.io/api generated.proto); answers are
/// always JSON, which the clients accept. Anything else is a 415 that names the supported types.
enum KubeProtobuf {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    /// `k8s\0`: the envelope prefix of kube protobuf bodies.
    private static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    struct Failure: Error, Sendable {
        var message: String
    }

    /// The JSON form of a `runtime.Unknown`-wrapped object.
    static func decode(_ data: Data) throws(Failure) -> JSONValue {
        let bytes = [UInt8](data)
        guard bytes.starts(with: magic) else { throw Failure(message: "missing the k8s protobuf envelope") }
        var apiVersion = "", kind = ""
        var raw: ArraySlice<UInt8> = []
        try each(bytes[4...]) { (field, value) throws(Failure) in
            switch (field, value) {
            case (1, .bytes(let typeMeta)):
                try each(typeMeta) { (f, v) throws(Failure) in
                    if f == 1 { apiVersion = try string(v) }
                    if f == 2 { kind = try string(v) }
                }
            case (2, .bytes(let body)): raw = body
            default: break
            }
        }
        var object: JSONObject
        switch (apiVersion, kind) {
        case ("v1", "ConfigMap"): object = try configMap(raw)
        case ("v1", "Secret"): object = try secret(raw)
        case ("v1", "Namespace"): object = try namespace(raw)
        default:
            throw Failure(message: "protobuf bodies are supported for v1 ConfigMap, Secret and Namespace, not \(apiVersion) \(kind)")
        }
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return .object(object)
    }

    // MARK: Kinds

    private static func configMap(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONObject {
        var object: JSONObject = [:]
        var data: JSONObject = [:], binary: JSONObject = [:]
        try each(bytes) { (field, value) throws(Failure) in
            switch field {
            case 1: object["metadata"] = try objectMeta(try message(value))
            case 2: let (k, v) = try entry(value); data[k] = .string(String(decoding: v, as: UTF8.self))
            case 3: let (k, v) = try entry(value); binary[k] = .string(Data(v).base64EncodedString())
            case 4: object["immutable"] = .bool(try varint(value) != 0)
            default: break
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !binary.isEmpty { object["binaryData"] = .object(binary) }
        return object
    }

    private static func secret(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONObject {
        var object: JSONObject = [:]
        var data: JSONObject = [:], stringData: JSONObject = [:]
        try each(bytes) { (field, value) throws(Failure) in
            switch field {
            case 1: object["metadata"] = try objectMeta(try message(value))
            case 2: let (k, v) = try entry(value); data[k] = .string(Data(v).base64EncodedString())
            case 3: object["type"] = .string(try string(value))
            case 4: let (k, v) = try entry(value); stringData[k] = .string(String(decoding: v, as: UTF8.self))
            case 5: object["immutable"] = .bool(try varint(value) != 0)
            default: break
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !stringData.isEmpty { object["stringData"] = .object(stringData) }
        return object
    }

    private static func namespace(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONObject {
        var object: JSONObject = [:]
        try each(bytes) { (field, value) throws(Failure) in
            switch field {
            case 1: object["metadata"] = try objectMeta(try message(value))
            case 2:
                var finalizers: [JSONValue] = []
                try each(try message(value)) { (f, v) throws(Failure) in if f == 1 { finalizers.append(.string(try string(v))) } }
                object["spec"] = ["finalizers": .array(finalizers)]
            default: break
            }
        }
        return object
    }

    private static func objectMeta(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONValue {
        var meta: JSONObject = [:]
        var labels: JSONObject = [:], annotations: JSONObject = [:]
        var owners: [JSONValue] = [], finalizers: [JSONValue] = []
        try each(bytes) { (field, value) throws(Failure) in
            switch field {
            case 1: meta["name"] = .string(try string(value))
            case 2: meta["generateName"] = .string(try string(value))
            case 3: meta["namespace"] = .string(try string(value))
            case 5: meta["uid"] = .string(try string(value))
            case 6: meta["resourceVersion"] = .string(try string(value))
            case 7: meta["generation"] = .int(Int64(bitPattern: try varint(value)))
            case 11: let (k, v) = try entry(value); labels[k] = .string(String(decoding: v, as: UTF8.self))
            case 12: let (k, v) = try entry(value); annotations[k] = .string(String(decoding: v, as: UTF8.self))
            case 13: owners.append(try ownerReference(try message(value)))
            case 14: finalizers.append(.string(try string(value)))
            default: break  // timestamps, managedFields: set by the server
            }
        }
        if !labels.isEmpty { meta["labels"] = .object(labels) }
        if !annotations.isEmpty { meta["annotations"] = .object(annotations) }
        if !owners.isEmpty { meta["ownerReferences"] = .array(owners) }
        if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers) }
        return .object(meta)
    }

    private static func ownerReference(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONValue {
        var ref: JSONObject = [:]
        try each(bytes) { (field, value) throws(Failure) in
            switch field {
            case 1: ref["kind"] = .string(try string(value))
            case 3: ref["name"] = .string(try string(value))
            case 4: ref["uid"] = .string(try string(value))
            case 5: ref["apiVersion"] = .string(try string(value))
            case 6: ref["controller"] = .bool(try varint(value) != 0)
            case 7: ref["blockOwnerDeletion"] = .bool(try varint(value) != 0)
            default: break
            }
        }
        return .object(ref)
    }

    // MARK: Wire format

    enum Value {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed
    }

    /// Calls `body` for every field of a message, in order.
    private static func each(_ bytes: ArraySlice<UInt8>, _ body: (Int, Value) throws(Failure) -> Void) throws(Failure) {
        var index = bytes.startIndex
        func readVarint() throws(Failure) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.endIndex, shift < 64 else { throw Failure(message: "truncated varint") }
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        while index < bytes.endIndex {
            let key = try readVarint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: try body(field, .varint(try readVarint()))
            case 1:
                guard bytes.endIndex - index >= 8 else { throw Failure(message: "truncated fixed64") }
                index += 8
                try body(field, .fixed)
            case 2:
                let length = try readVarint()
                guard length <= UInt64(bytes.endIndex - index) else { throw Failure(message: "truncated field \(field)") }
                let end = index + Int(length)
                let slice = bytes[index..<end]
                index = end
                try body(field, .bytes(slice))
            case 5:
                guard bytes.endIndex - index >= 4 else { throw Failure(message: "truncated fixed32") }
                index += 4
                try body(field, .fixed)
            default:
                throw Failure(message: "unsupported wire type \(key & 7)")
            }
        }
    }

    private static func message(_ value: Value) throws(Failure) -> ArraySlice<UInt8> {
        guard case .bytes(let b) = value else { throw Failure(message: "expected a message") }
        return b
    }

    private static func string(_ value: Value) throws(Failure) -> String {
        String(decoding: try message(value), as: UTF8.self)
    }

    private static func varint(_ value: Value) throws(Failure) -> UInt64 {
        guard case .varint(let v) = value else { throw Failure(message: "expected a varint") }
        return v
    }

    /// A map entry: key (1) and value (2).
    private static func entry(_ value: Value) throws(Failure) -> (String, ArraySlice<UInt8>) {
        var key = ""
        var bytes: ArraySlice<UInt8> = []
        try each(try message(value)) { (field, v) throws(Failure) in
            if field == 1 { key = try string(v) }
            if field == 2 { bytes = try message(v) }
        }
        return (key, bytes)
    }
}
