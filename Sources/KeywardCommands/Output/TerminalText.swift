/// Text from certificates and servers made safe to print on a terminal.
///
/// A certificate's subject (a UTF8String) or a dNSName (an IA5String) may hold ESC and other control characters: a
/// probed server, or a file someone hands over for inspection, could otherwise move the cursor, rewrite an earlier
/// "valid" line or set the clipboard. Control characters (C0, DEL, C1) and the bidirectional overrides are shown as
/// `\u{…}` escapes; everything else stays as it is.
enum TerminalText {
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional embeddings, overrides and isolates
        default: false
        }
    }
}
