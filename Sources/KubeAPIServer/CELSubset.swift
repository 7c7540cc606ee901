import Foundation
import KeywardCore

/// A small subset of CEL, enough for the `x-kubernetes-validations` rules operators write in practice:
///
/// - literals (int, uint, double, string, bool, null, lists, maps), `self`, `oldSelf`
/// - `.field`, `[index]`, `has(a.b)`, `size(x)`/`x.size()`, `in`, `? :`, `!`, `&&`, `||`, `==`, `!=`, `<`, `<=`,
///   `>`, `>=`, `+`, `-`, `*`, `/`, `%`
/// - string methods `startsWith`, `endsWith`, `contains`, `matches`, `lowerAscii`, `upperAscii`, `trim`
/// - macros `all`, `exists`, `exists_one`, `map`, `filter` over lists and map keys
/// - conversions `int()`, `uint()`, `double()`, `string()`, `duration()`, `timestamp()` with comparisons and
///   timestamp/duration arithmetic.
///
/// Rules outside the subset fail to parse and are skipped (the server logs them once), never rejected.
enum CEL {
    indirect enum Expr: Sendable {
        case literal(Value)
        case ident(String)
        case select(Expr, String)
        case index(Expr, Expr)
        case call(String, target: Expr?, args: [Expr])
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case ternary(Expr, Expr, Expr)
        case list([Expr])
        case map([(Expr, Expr)])
    }

    enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case list([Value])
        case map([String: Value])
        case duration(Int64)
        case timestamp(Date)

        init(_ json: JSONValue) {
            switch json {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .int(i)
            case .double(let d): self = .double(d)
            case .string(let s): self = .string(s)
            case .array(let a): self = .list(a.map(Value.init))
            case .object(let o): self = .map(o.mapValues(Value.init))
            }
        }
    }

    enum Failure: Error {
        /// Syntax or a function outside the subset: the rule is skipped.
        case unsupported(String)
        /// The rule is supported but failed to evaluate (e.g. `no such key`): reported as a validation error.
        case runtime(String)
    }

    // MARK: Parsing

    static func parse(_ source: String) throws(Failure) -> Expr {
        var parser = Parser(tokens: try tokenize(source))
        let e = try parser.expression()
        guard parser.atEnd else { throw .unsupported("unexpected token \(parser.peek)") }
        return e
    }

    enum Token: Equatable, CustomStringConvertible {
        case ident(String), int(Int64), uint(UInt64), double(Double), string(String), op(String), end
        var description: String {
            switch self {
            case .ident(let s), .op(let s): s
            case .int(let i): String(i)
            case .uint(let u): "\(u)u"
            case .double(let d): String(d)
            case .string(let s): "'\(s)'"
            case .end: "<end>"
            }
        }
    }

    static func tokenize(_ source: String) throws(Failure) -> [Token] {
        let chars = Array(source)
        var i = 0
        var tokens: [Token] = []
        let twoCharOps: Set<String> = ["&&", "||", "==", "!=", "<=", ">="]
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c.isLetter || c == "_" {
                var s = ""
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { s.append(chars[i]); i += 1 }
                tokens.append(.ident(s))
                continue
            }
            if c.isNumber {
                var s = ""
                var isDouble = false
                if c == "0", i + 1 < chars.count, chars[i + 1] == "x" || chars[i + 1] == "X" {
                    i += 2
                    while i < chars.count, chars[i].isHexDigit { s.append(chars[i]); i += 1 }
                    guard let v = Int64(s, radix: 16) else { throw .unsupported("bad hex literal") }
                    tokens.append(.int(v)); continue
                }
                while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E" {
                    if chars[i] == "." {
                        guard i + 1 < chars.count, chars[i + 1].isNumber else { break }
                        isDouble = true
                    }
                    if chars[i] == "e" || chars[i] == "E" { isDouble = true }
                    s.append(chars[i]); i += 1
                }
                if i < chars.count, chars[i] == "u" || chars[i] == "U" {
                    i += 1
                    guard let v = UInt64(s) else { throw .unsupported("bad uint literal") }
                    tokens.append(.uint(v)); continue
                }
                if isDouble {
                    guard let v = Double(s) else { throw .unsupported("bad double literal") }
                    tokens.append(.double(v))
                } else {
                    guard let v = Int64(s) else { throw .unsupported("bad int literal") }
                    tokens.append(.int(v))
                }
                continue
            }
            if c == "'" || c == "\"" {
                let quote = c
                var raw = false
                if let last = tokens.last, last == .ident("r") || last == .ident("R") { tokens.removeLast(); raw = true }
                // Triple-quoted strings are outside the subset.
                i += 1
                var s = ""
                while i < chars.count, chars[i] != quote {
                    if chars[i] == "\\" && !raw && i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        case "\\": s.append("\\")
                        case "'": s.append("'")
                        case "\"": s.append("\"")
                        default: s.append("\\"); s.append(chars[i])
                        }
                    } else {
                        s.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw .unsupported("unterminated string") }
                i += 1
                tokens.append(.string(s))
                continue
            }
            if i + 1 < chars.count, twoCharOps.contains(String([c, chars[i + 1]])) {
                tokens.append(.op(String([c, chars[i + 1]]))); i += 2; continue
            }
            if "+-*/%<>!?:.,()[]{}".contains(c) { tokens.append(.op(String(c))); i += 1; continue }
            throw .unsupported("unexpected character '\(c)'")
        }
        tokens.append(.end)
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var position = 0
        var peek: Token { tokens[position] }
        var atEnd: Bool { peek == .end }

        mutating func next() -> Token { defer { position += 1 }; return tokens[position] }
        mutating func accept(_ op: String) -> Bool {
            if peek == .op(op) { position += 1; return true }
            return false
        }
        mutating func expect(_ op: String) throws(Failure) {
            guard accept(op) else { throw .unsupported("expected '\(op)' near \(peek)") }
        }

        mutating func expression() throws(Failure) -> Expr {
            let condition = try or()
            if accept("?") {
                let a = try expression()
                try expect(":")
                let b = try expression()
                return .ternary(condition, a, b)
            }
            return condition
        }

        mutating func or() throws(Failure) -> Expr {
            var e = try and()
            while accept("||") { e = .binary("||", e, try and()) }
            return e
        }

        mutating func and() throws(Failure) -> Expr {
            var e = try relation()
            while accept("&&") { e = .binary("&&", e, try relation()) }
            return e
        }

        mutating func relation() throws(Failure) -> Expr {
            var e = try additive()
            while true {
                if case .op(let op) = peek, ["<", "<=", ">", ">=", "==", "!="].contains(op) {
                    position += 1
                    e = .binary(op, e, try additive())
                } else if peek == .ident("in") {
                    position += 1
                    e = .binary("in", e, try additive())
                } else {
                    return e
                }
            }
        }

        mutating func additive() throws(Failure) -> Expr {
            var e = try multiplicative()
            while case .op(let op) = peek, op == "+" || op == "-" { position += 1; e = .binary(op, e, try multiplicative()) }
            return e
        }

        mutating func multiplicative() throws(Failure) -> Expr {
            var e = try unary()
            while case .op(let op) = peek, op == "*" || op == "/" || op == "%" { position += 1; e = .binary(op, e, try unary()) }
            return e
        }

        mutating func unary() throws(Failure) -> Expr {
            if accept("!") { return .unary("!", try unary()) }
            if accept("-") { return .unary("-", try unary()) }
            return try member()
        }

        mutating func member() throws(Failure) -> Expr {
            var e = try primary()
            while true {
                if accept(".") {
                    guard case .ident(let name) = next() else { throw .unsupported("expected a field name") }
                    if accept("(") {
                        e = .call(name, target: e, args: try arguments())
                    } else {
                        e = .select(e, name)
                    }
                } else if accept("[") {
                    let index = try expression()
                    try expect("]")
                    e = .index(e, index)
                } else {
                    return e
                }
            }
        }

        mutating func arguments() throws(Failure) -> [Expr] {
            var args: [Expr] = []
            if accept(")") { return args }
            repeat { args.append(try expression()) } while accept(",")
            try expect(")")
            return args
        }

        mutating func primary() throws(Failure) -> Expr {
            switch next() {
            case .int(let v): return .literal(.int(v))
            case .uint(let v): return .literal(.uint(v))
            case .double(let v): return .literal(.double(v))
            case .string(let v): return .literal(.string(v))
            case .ident("true"): return .literal(.bool(true))
            case .ident("false"): return .literal(.bool(false))
            case .ident("null"): return .literal(.null)
            case .ident(let name):
                if accept("(") { return .call(name, target: nil, args: try arguments()) }
                return .ident(name)
            case .op("("):
                let e = try expression()
                try expect(")")
                return e
            case .op("["):
                var items: [Expr] = []
                if !accept("]") {
                    repeat { items.append(try expression()) } while accept(",")
                    try expect("]")
                }
                return .list(items)
            case .op("{"):
                var entries: [(Expr, Expr)] = []
                if !accept("}") {
                    repeat {
                        let k = try expression()
                        try expect(":")
                        entries.append((k, try expression()))
                    } while accept(",")
                    try expect("}")
                }
                return .map(entries)
            case let t:
                throw .unsupported("unexpected token \(t)")
            }
        }
    }

    // MARK: Evaluation

    static func evaluate(_ e: Expr, _ env: [String: Value]) throws(Failure) -> Value {
        switch e {
        case .literal(let v): return v
        case .ident(let name):
            guard let v = env[name] else { throw .unsupported("undeclared reference to '\(name)'") }
            return v
        case .select(let target, let field):
            let t = try evaluate(target, env)
            guard case .map(let m) = t else { throw .runtime("no such key: \(field)") }
            guard let v = m[field] else { throw .runtime("no such key: \(field)") }
            return v
        case .index(let target, let indexExpr):
            let t = try evaluate(target, env)
            let index = try evaluate(indexExpr, env)
            switch (t, index) {
            case (.list(let l), .int(let i)):
                guard i >= 0 && Int(i) < l.count else { throw .runtime("index out of range: \(i)") }
                return l[Int(i)]
            case (.map(let m), .string(let k)):
                guard let v = m[k] else { throw .runtime("no such key: \(k)") }
                return v
            default: throw .runtime("invalid index")
            }
        case .unary(let op, let operand):
            let v = try evaluate(operand, env)
            switch (op, v) {
            case ("!", .bool(let b)): return .bool(!b)
            case ("-", .int(let i)): return .int(-i)
            case ("-", .double(let d)): return .double(-d)
            case ("-", .duration(let d)): return .duration(-d)
            default: throw .runtime("no matching overload for '\(op)'")
            }
        case .ternary(let c, let a, let b):
            guard case .bool(let cond) = try evaluate(c, env) else { throw .runtime("no matching overload for '_?_:_'") }
            return try evaluate(cond ? a : b, env)
        case .list(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item, env)) }
            return .list(values)
        case .map(let entries):
            var m: [String: Value] = [:]
            for (k, v) in entries {
                guard case .string(let key) = try evaluate(k, env) else { throw .unsupported("non-string map key") }
                m[key] = try evaluate(v, env)
            }
            return .map(m)
        case .binary(let op, let lhs, let rhs):
            return try binary(op, lhs, rhs, env)
        case .call(let name, let target, let args):
            return try call(name, target, args, env)
        }
    }

    private static func binary(_ op: String, _ lhs: Expr, _ rhs: Expr, _ env: [String: Value]) throws(Failure) -> Value {
        if op == "&&" || op == "||" {
            // CEL's commutative logic: an error on one side is absorbed if the other side decides the result.
            let a: Result<Value, Failure>
            do { a = .success(try evaluate(lhs, env)) } catch { a = .failure(error) }
            if case .success(.bool(let x)) = a, x == (op == "||") { return .bool(x) }
            let b = try evaluate(rhs, env)
            if case .bool(let y) = b, y == (op == "||") { return .bool(y) }
            switch a {
            case .failure(let f): throw f
            case .success(.bool): break
            default: throw .runtime("no matching overload for '\(op)'")
            }
            guard case .bool(let y) = b else { throw .runtime("no matching overload for '\(op)'") }
            return .bool(y)
        }
        let a = try evaluate(lhs, env)
        let b = try evaluate(rhs, env)
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<", "<=", ">", ">=":
            guard let c = compare(a, b) else { throw .runtime("no matching overload for '\(op)'") }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "in":
            switch b {
            case .list(let l): return .bool(l.contains { equal($0, a) })
            case .map(let m):
                guard case .string(let k) = a else { return .bool(false) }
                return .bool(m[k] != nil)
            default: throw .runtime("no matching overload for 'in'")
            }
        default:
            return try arithmetic(op, a, b)
        }
    }

    private static func arithmetic(_ op: String, _ a: Value, _ b: Value) throws(Failure) -> Value {
        switch (op, a, b) {
        case ("+", .int(let x), .int(let y)): return .int(x &+ y)
        case ("-", .int(let x), .int(let y)): return .int(x &- y)
        case ("*", .int(let x), .int(let y)): return .int(x &* y)
        case ("/", .int(let x), .int(let y)):
            guard y != 0 else { throw .runtime("division by zero") }
            return .int(x / y)
        case ("%", .int(let x), .int(let y)):
            guard y != 0 else { throw .runtime("modulus by zero") }
            return .int(x % y)
        case ("+", .uint(let x), .uint(let y)): return .uint(x &+ y)
        case ("-", .uint(let x), .uint(let y)): return .uint(x &- y)
        case ("+", .double(let x), .double(let y)): return .double(x + y)
        case ("-", .double(let x), .double(let y)): return .double(x - y)
        case ("*", .double(let x), .double(let y)): return .double(x * y)
        case ("/", .double(let x), .double(let y)): return .double(x / y)
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .list(let x), .list(let y)): return .list(x + y)
        case ("+", .duration(let x), .duration(let y)): return .duration(x + y)
        case ("-", .duration(let x), .duration(let y)): return .duration(x - y)
        case ("+", .timestamp(let t), .duration(let d)), ("+", .duration(let d), .timestamp(let t)):
            return .timestamp(t.addingTimeInterval(Double(d) / 1e9))
        case ("-", .timestamp(let t), .duration(let d)): return .timestamp(t.addingTimeInterval(-Double(d) / 1e9))
        case ("-", .timestamp(let x), .timestamp(let y)): return .duration(Int64((x.timeIntervalSince(y) * 1e9).rounded()))
        default: throw .runtime("no matching overload for '\(op)'")
        }
    }

    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.int(let x), .uint(let y)): return x >= 0 && UInt64(x) == y
        case (.uint(let x), .int(let y)): return y >= 0 && UInt64(y) == x
        case (.uint(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .uint(let y)): return x == Double(y)
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.map(let x), .map(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        default: return a == b
        }
    }

    static func compare(_ a: Value, _ b: Value) -> Int? {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return cmp(x, y)
        case (.uint(let x), .uint(let y)): return cmp(x, y)
        case (.double(let x), .double(let y)): return cmp(x, y)
        case (.int(let x), .double(let y)): return cmp(Double(x), y)
        case (.double(let x), .int(let y)): return cmp(x, Double(y))
        case (.uint(let x), .int(let y)): return cmp(Double(x), Double(y))
        case (.int(let x), .uint(let y)): return cmp(Double(x), Double(y))
        case (.string(let x), .string(let y)): return cmp(x, y)
        case (.bool(let x), .bool(let y)): return cmp(x ? 1 : 0, y ? 1 : 0)
        case (.duration(let x), .duration(let y)): return cmp(x, y)
        case (.timestamp(let x), .timestamp(let y)): return cmp(x, y)
        default: return nil
        }
    }

    private static let macros: Set<String> = ["all", "exists", "exists_one", "map", "filter"]

    private static func call(_ name: String, _ target: Expr?, _ args: [Expr], _ env: [String: Value]) throws(Failure) -> Value {
        if name == "has" && target == nil {
            guard args.count == 1, case .select(let base, let field) = args[0] else { throw .unsupported("has() needs a field selection") }
            let b = try evaluate(base, env)
            guard case .map(let m) = b else { throw .runtime("no matching overload for 'has'") }
            return .bool(m[field] != nil)
        }
        if let target, macros.contains(name) {
            guard args.count == 2, case .ident(let variable) = args[0] else { throw .unsupported("\(name)() needs (var, expr)") }
            let range: [Value]
            switch try evaluate(target, env) {
            case .list(let l): range = l
            case .map(let m): range = m.keys.sorted().map(Value.string)
            default: throw .runtime("no matching overload for '\(name)'")
            }
            var results: [Value] = []
            var count = 0
            for element in range {
                var scope = env
                scope[variable] = element
                let r = try evaluate(args[1], scope)
                switch name {
                case "map": results.append(r)
                case "filter": if r == .bool(true) { results.append(element) }
                default:
                    guard case .bool(let b) = r else { throw .runtime("no matching overload for '\(name)'") }
                    if b { count += 1 }
                    if name == "all" && !b { return .bool(false) }
                    if name == "exists" && b { return .bool(true) }
                }
            }
            switch name {
            case "all": return .bool(true)
            case "exists": return .bool(false)
            case "exists_one": return .bool(count == 1)
            default: return .list(results)
            }
        }
        var values: [Value] = []
        if let target { values.append(try evaluate(target, env)) }
        for a in args { values.append(try evaluate(a, env)) }
        let a0: Value? = values.first
        let a1: Value? = values.count > 1 ? values[1] : nil
        switch (name, values.count, a0, a1) {
        case ("size", 1, .string(let s)?, _): return .int(Int64(s.unicodeScalars.count))
        case ("size", 1, .list(let l)?, _): return .int(Int64(l.count))
        case ("size", 1, .map(let m)?, _): return .int(Int64(m.count))
        case ("startsWith", 2, .string(let s)?, .string(let p)?): return .bool(s.hasPrefix(p))
        case ("endsWith", 2, .string(let s)?, .string(let p)?): return .bool(s.hasSuffix(p))
        case ("contains", 2, .string(let s)?, .string(let p)?): return .bool(p.isEmpty || s.contains(p))
        case ("matches", 2, .string(let s)?, .string(let p)?): return .bool(RegexCache.shared.matches(p, s))
        case ("lowerAscii", 1, .string(let s)?, _): return .string(s.lowercased())
        case ("upperAscii", 1, .string(let s)?, _): return .string(s.uppercased())
        case ("trim", 1, .string(let s)?, _): return .string(s.trimmingCharacters(in: .whitespaces))
        case ("int", 1, .int(let i)?, _): return .int(i)
        case ("int", 1, .uint(let u)?, _): return .int(Int64(u))
        case ("int", 1, .double(let d)?, _): return .int(Int64(d))
        case ("int", 1, .string(let s)?, _):
            guard let i = Int64(s) else { throw .runtime("cannot convert '\(s)' to int") }
            return .int(i)
        case ("int", 1, .timestamp(let t)?, _): return .int(Int64(t.timeIntervalSince1970))
        case ("uint", 1, .int(let i)?, _) where i >= 0: return .uint(UInt64(i))
        case ("double", 1, .int(let i)?, _): return .double(Double(i))
        case ("double", 1, .double(let d)?, _): return .double(d)
        case ("double", 1, .string(let s)?, _):
            guard let d = Double(s) else { throw .runtime("cannot convert '\(s)' to double") }
            return .double(d)
        case ("string", 1, let v?, _): return .string(stringify(v))
        case ("duration", 1, .string(let s)?, _):
            guard let d = try? GoDuration(parsing: s) else { throw .runtime("invalid duration '\(s)'") }
            return .duration(d.nanoseconds)
        case ("timestamp", 1, .string(let s)?, _):
            guard let t = Timestamp.parse(s) else { throw .runtime("invalid timestamp '\(s)'") }
            return .timestamp(t)
        case ("getSeconds", 1, .duration(let d)?, _): return .int(d / 1_000_000_000)
        case ("getMinutes", 1, .duration(let d)?, _): return .int(d / 60_000_000_000)
        case ("getHours", 1, .duration(let d)?, _): return .int(d / 3_600_000_000_000)
        default:
            throw .unsupported("function '\(name)' is outside the supported subset")
        }
    }

    static func stringify(_ v: Value) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .uint(let u): String(u)
        case .double(let d): String(d)
        case .string(let s): s
        case .duration(let d): GoDuration(nanoseconds: d).description
        case .timestamp(let t): Timestamp.seconds(t)
        case .list(let l): "[" + l.map(stringify).joined(separator: ", ") + "]"
        case .map(let m): "{" + m.keys.sorted().map { "\($0): \(stringify(m[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    /// Whether the expression mentions `oldSelf` (a transition rule, only checked on updates).
    static func mentionsOldSelf(_ source: String) -> Bool {
        (try? tokenize(source))?.contains(.ident("oldSelf")) ?? false
    }
}

// MARK: - Running a schema's rules

extension StructuralSchema {
    /// Evaluates `x-kubernetes-validations` over `value` (and `old` for transition rules).
    /// Calls `skipped` with each rule outside the subset.
    func validateRules(_ value: JSONValue, old: JSONValue?, path: String, into errors: inout [FieldError],
                       skipped: (String) -> Void)
    {
        if value == .null { return }
        if !rules.isEmpty {
            let selfValue = CEL.Value(value)
            for rule in rules {
                let isTransition = CEL.mentionsOldSelf(rule.rule)
                if isTransition && old == nil { continue }
                var env: [String: CEL.Value] = ["self": selfValue]
                if let old { env["oldSelf"] = CEL.Value(old) }
                let expr: CEL.Expr
                do { expr = try CEL.parse(rule.rule) } catch { skipped(rule.rule); continue }
                var fieldPath = path
                if let fp = rule.fieldPath, !fp.isEmpty {
                    let suffix = fp.hasPrefix(".") ? String(fp.dropFirst()) : fp
                    fieldPath = path.isEmpty ? suffix : "\(path).\(suffix)"
                }
                let rendered = FieldError.goQuote(type ?? value.typeName)
                do throws(CEL.Failure) {
                    let result = try CEL.evaluate(expr, env)
                    if result == .bool(true) { continue }
                    guard case .bool = result else {
                        errors.append(FieldError(.invalid, fieldPath, rendered: rendered,
                                                 "rule did not evaluate to a bool: \(rule.rule)"))
                        continue
                    }
                    let message = rule.message ?? "failed rule: \(rule.rule)"
                    let kind: FieldError.Kind = switch rule.reason {
                    case "FieldValueForbidden": .forbidden
                    case "FieldValueRequired": .required
                    case "FieldValueDuplicate": .duplicate
                    default: .invalid
                    }
                    errors.append(FieldError(kind, fieldPath, rendered: rendered, message))
                } catch {
                    switch error {
                    case .unsupported: skipped(rule.rule)
                    case .runtime(let why): errors.append(FieldError(.invalid, fieldPath, rendered: rendered, why))
                    }
                }
            }
        }
        switch value {
        case .object(let o):
            for (key, child) in o {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let s = properties[key] {
                    s.validateRules(child, old: old?[key], path: childPath, into: &errors, skipped: skipped)
                } else if let s = additionalProperties.first {
                    s.validateRules(child, old: old?[key], path: "\(path)[\(key)]", into: &errors, skipped: skipped)
                }
            }
        case .array(let a):
            guard let s = items.first else { return }
            let oldItems = old?.arrayValue
            for (i, item) in a.enumerated() {
                // Only map lists correlate items with their old versions (by key), as in the real server.
                var oldItem: JSONValue?
                if listType == "map", !listMapKeys.isEmpty, let oldItems {
                    oldItem = oldItems.first { o in listMapKeys.allSatisfy { o[$0] == item[$0] } }
                }
                s.validateRules(item, old: oldItem, path: "\(path)[\(i)]", into: &errors, skipped: skipped)
            }
        default: break
        }
    }
}
