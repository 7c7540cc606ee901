import Foundation

/// Checks the PEM armour of credentials the client hands to libcurl: BEGIN/END lines that pair up and a base64 body.
///
/// The client has no X.509 parser; without this check a damaged `certificate-authority-data` or `client-key` would
/// only fail inside the TLS handshake, with a message that names neither the file nor the field. Problems are
/// described by block number and kind, never by content (the input may be a private key).
enum PEMArmor {
    enum Kind {
        case certificate
        case privateKey

        var noun: String { self == .certificate ? "certificate" : "private key" }

        func matches(_ label: String) -> Bool {
            self == .certificate ? label == "CERTIFICATE" : label.hasSuffix("PRIVATE KEY")
        }
    }

    /// Why `data` is not usable as `kind` (completing "… holds …" / "… has …"), or nil when it is.
    static func problem(in data: Data, kind: Kind) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        var open: (label: String, body: String, encrypted: Bool)?
        var matching = 0
        var encrypted = false
        var index = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                if open != nil { return "PEM block \(index) without an END line" }
                index += 1
                open = (String(line.dropFirst(11).dropLast(5)), "", false)
            } else if line.hasPrefix("-----END "), line.hasSuffix("-----") {
                guard let block = open else { return "a PEM END line without a BEGIN line" }
                guard String(line.dropFirst(9).dropLast(5)) == block.label else {
                    return "PEM block \(index) whose BEGIN and END labels differ"
                }
                guard let body = Data(base64Encoded: block.body), !body.isEmpty else {
                    return "PEM block \(index) whose body is not valid base64"
                }
                if kind.matches(block.label) {
                    matching += 1
                    encrypted = encrypted || block.encrypted || block.label.hasPrefix("ENCRYPTED")
                }
                open = nil
            } else if var block = open {
                if line.contains(":") {
                    // RFC 1421 headers; only the legacy encryption header matters here.
                    if line.hasPrefix("Proc-Type:"), line.contains("ENCRYPTED") { block.encrypted = true }
                } else {
                    block.body += line
                }
                open = block
            }
        }
        if open != nil { return "PEM block \(index) without an END line (truncated?)" }
        if matching == 0 { return "no PEM \(kind.noun) block" }
        if kind == .privateKey {
            if matching > 1 { return "\(matching) PEM private key blocks, expected one" }
            if encrypted { return "an encrypted private key, which is not supported" }
        }
        return nil
    }
}
