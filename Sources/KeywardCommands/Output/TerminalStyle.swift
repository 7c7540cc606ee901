#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Colour for human output: only when standard output is a terminal and `NO_COLOR` (https://no-color.org) is unset
/// or empty, so pipes, files and CI logs get plain text.
struct TerminalStyle: Sendable {
    let enabled: Bool

    static let standardOutput = TerminalStyle(
        enabled: isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty)
    static let plain = TerminalStyle(enabled: false)

    func good(_ text: String) -> String { paint(text, code: "32") }
    func bad(_ text: String) -> String { paint(text, code: "31") }
    func warning(_ text: String) -> String { paint(text, code: "33") }
    func bold(_ text: String) -> String { paint(text, code: "1") }

    private func paint(_ text: String, code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
