/// What an ACME server said, bounded before it reaches a condition, an Event or the pending state: problem documents
/// are quoted verbatim, but a hostile or broken server could send megabytes (a status over the API server's limits
/// would fail every write of the Certificate).
enum ACMEServerText {
    static let limit = 2048

    static func bounded(_ text: String) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " … (truncated)"
    }

    static func bounded(_ value: some CustomStringConvertible) -> String { bounded(value.description) }
}
