import Foundation

/// RFC 8288 `Link` header values: `<uri>; rel="alternate", <uri>; rel="up"`. The transport joins repeated
/// headers with ", ", so one value may hold several links.
enum LinkHeader {
    struct Link: Equatable {
        var url: URL
        var relations: [String]
    }

    static func parse(_ value: String, relativeTo base: URL) -> [Link] {
        var links: [Link] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let target = String(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
            // Parameters run to the next comma outside quotes.
            var parameters = ""
            var quoted = false
            var index = rest.startIndex
            while index < rest.endIndex {
                let character = rest[index]
                if character == "\"" { quoted.toggle() }
                if character == ",", !quoted { break }
                parameters.append(character)
                index = rest.index(after: index)
            }
            rest = index < rest.endIndex ? rest[rest.index(after: index)...] : ""
            var relations: [String] = []
            for parameter in parameters.split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel" else { continue }
                let names = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                relations += names.split(separator: " ").map { $0.lowercased() }
            }
            if let url = URL(string: target, relativeTo: base)?.absoluteURL { links.append(Link(url: url, relations: relations)) }
        }
        return links
    }

    /// The targets of every link with relation `relation`.
    static func urls(_ value: String?, relation: String, relativeTo base: URL) -> [URL] {
        guard let value else { return [] }
        return parse(value, relativeTo: base).filter { $0.relations.contains(relation) }.map(\.url)
    }
}
