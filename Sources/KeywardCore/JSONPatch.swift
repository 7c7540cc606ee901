import Foundation

/// JSON Merge Patch (RFC 7386): objects merge recursively, `null` deletes, everything else replaces.
public enum JSONMergePatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchObject {
            if value == .null {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// The merge patch that turns `from` into `to` (objects recurse; removed keys become `null`).
    public static func diff(from: JSONValue, to: JSONValue) -> JSONValue? {
        guard case .object(let a) = from, case .object(let b) = to else {
            // Spelled out: in `from == to ? nil : to` the literal would become JSONValue.null, not "no change".
            if from == to { return Optional<JSONValue>.none }
            return to
        }
        var patch: JSONObject = [:]
        for key in a.keys where b.index(forKey: key) == nil { patch[key] = .null }
        for (key, new) in b {
            if let old = a[key] {
                if let sub = diff(from: old, to: new) { patch[key] = sub }
            } else {
                patch[key] = new
            }
        }
        if patch.isEmpty { return Optional<JSONValue>.none }
        return .object(patch)
    }
}

/// JSON Patch (RFC 6902) with JSON Pointers (RFC 6901).
public enum JSONPatch {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var operationIndex: Int
        public var reason: String
        public var description: String { "json patch operation \(operationIndex): \(reason)" }
        public init(operationIndex: Int, reason: String) {
            self.operationIndex = operationIndex
            self.reason = reason
        }
    }

    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let operations) = patch else {
            throw Failure(operationIndex: 0, reason: "a JSON patch must be an array of operations")
        }
        var doc = target
        for (index, operation) in operations.enumerated() {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw Failure(operationIndex: index, reason: "operation needs 'op' and 'path'")
            }
            let pointer: [String]
            do { pointer = try parsePointer(path) } catch { throw Failure(operationIndex: index, reason: error.reason) }
            func value() throws(Failure) -> JSONValue {
                guard let v = operation["value"] else { throw Failure(operationIndex: index, reason: "'\(op)' needs 'value'") }
                return v
            }
            func from() throws(Failure) -> [String] {
                guard let f = operation["from"]?.stringValue else {
                    throw Failure(operationIndex: index, reason: "'\(op)' needs 'from'")
                }
                do { return try parsePointer(f) } catch { throw Failure(operationIndex: index, reason: error.reason) }
            }
            do {
                switch op {
                case "add": doc = try add(try value(), at: pointer, in: doc)
                case "remove": doc = try remove(at: pointer, in: doc).document
                case "replace":
                    _ = try get(pointer, in: doc)
                    doc = try remove(at: pointer, in: doc).document
                    doc = try add(try value(), at: pointer, in: doc)
                case "move":
                    let source = try from()
                    let removed = try remove(at: source, in: doc)
                    doc = try add(removed.value, at: pointer, in: removed.document)
                case "copy": doc = try add(try get(try from(), in: doc), at: pointer, in: doc)
                case "test":
                    guard try get(pointer, in: doc) == value() else {
                        throw Failure(operationIndex: index, reason: "test failed at '\(path)'")
                    }
                default: throw Failure(operationIndex: index, reason: "unknown op '\(op)'")
                }
            } catch let failure as Failure {
                throw Failure(operationIndex: index, reason: failure.reason)
            } catch let pe as PointerError {
                throw Failure(operationIndex: index, reason: pe.reason)
            } catch {
                throw Failure(operationIndex: index, reason: "\(error)")
            }
        }
        return doc
    }

    struct PointerError: Error { var reason: String }

    static func parsePointer(_ text: String) throws(PointerError) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw PointerError(reason: "path '\(text)' must start with '/'") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ pointer: [String], in doc: JSONValue) throws(PointerError) -> JSONValue {
        var current = doc
        for token in pointer {
            switch current {
            case .object(let o):
                guard let next = o[token] else { throw PointerError(reason: "path member '\(token)' does not exist") }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else {
                    throw PointerError(reason: "array index '\(token)' out of range")
                }
                current = a[i]
            default: throw PointerError(reason: "cannot index into \(current.typeName) with '\(token)'")
            }
        }
        return current
    }

    static func add(_ value: JSONValue, at pointer: [String], in doc: JSONValue) throws(PointerError) -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[token] = value } else {
                guard let child = o[token] else { throw PointerError(reason: "path member '\(token)' does not exist") }
                o[token] = try add(value, at: rest, in: child)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if token == "-" { a.append(value) } else {
                    guard let i = Int(token), i >= 0, i <= a.count else {
                        throw PointerError(reason: "array index '\(token)' out of range")
                    }
                    a.insert(value, at: i)
                }
            } else {
                guard let i = Int(token), a.indices.contains(i) else {
                    throw PointerError(reason: "array index '\(token)' out of range")
                }
                a[i] = try add(value, at: rest, in: a[i])
            }
            return .array(a)
        default:
            throw PointerError(reason: "cannot add into \(doc.typeName) at '\(token)'")
        }
    }

    static func remove(at pointer: [String], in doc: JSONValue) throws(PointerError) -> (document: JSONValue, value: JSONValue) {
        guard let token = pointer.first else { throw PointerError(reason: "cannot remove the whole document") }
        let rest = Array(pointer.dropFirst())
        switch doc {
        case .object(var o):
            guard let child = o[token] else { throw PointerError(reason: "path member '\(token)' does not exist") }
            if rest.isEmpty { o[token] = nil; return (.object(o), child) }
            let r = try remove(at: rest, in: child)
            o[token] = r.document
            return (.object(o), r.value)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else {
                throw PointerError(reason: "array index '\(token)' out of range")
            }
            if rest.isEmpty { let v = a.remove(at: i); return (.array(a), v) }
            let r = try remove(at: rest, in: a[i])
            a[i] = r.document
            return (.array(a), r.value)
        default:
            throw PointerError(reason: "cannot remove from \(doc.typeName)")
        }
    }
}
