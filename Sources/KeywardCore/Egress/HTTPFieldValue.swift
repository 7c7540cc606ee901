/// Rules for HTTP header field values written from input someone else controls.
public enum HTTPFieldValue {
    /// Whether `text` holds a control character other than horizontal tab (RFC 9110 allows HTAB in field values).
    /// A CR or LF would end the header and start another one, or the body, in the request written on the wire.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }
    }
}
