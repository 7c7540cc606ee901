@testable import CertificateController
import Testing

/// A server's words reach conditions and Events verbatim, but bounded.
@Suite("ACME server text")
struct ACMEServerTextTests {
    @Test("short problem text passes unchanged; a megabyte is cut to the limit and says so")
    func bounded() {
        let problem = "urn:ietf:params:acme:error:connection: 127.0.0.1: Connection refused"
        #expect(ACMEServerText.bounded(problem) == problem)
        let huge = String(repeating: "x", count: 1 << 20)
        let cut = ACMEServerText.bounded(huge)
        #expect(cut.count < ACMEServerText.limit + 32)
        #expect(cut.hasPrefix(String(repeating: "x", count: ACMEServerText.limit)) && cut.hasSuffix("(truncated)"))
    }
}
