import Foundation

/// RFC 7468 PEM text: 64-column base64 between BEGIN/END lines, ending in a newline as files conventionally do.
enum PEM {
    static func encode(type: String, der: some Collection<UInt8>) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(type)-----\n\(base64)\n-----END \(type)-----\n"
    }

    /// Library PEM output with exactly one trailing newline.
    static func terminated(_ pem: String) -> String {
        pem.hasSuffix("\n") ? pem : pem + "\n"
    }
}
