extension JSONValue {
    /// A plain (unquoted) YAML scalar resolved with the YAML 1.2 core schema, as Kubernetes reads manifests:
    /// null, booleans, integers and floats by their spelling, anything else a string. Quoted scalars are always
    /// strings and never come here. Shared by the client's YAML reader and the test API server's.
    public init(plainYAMLScalar s: String) {
        switch s {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            if let i = Int64(s) {
                self = .int(i)
            } else if s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(s),
                !s.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" })
            {
                self = .double(d)
            } else {
                self = .string(s)
            }
        }
    }
}
