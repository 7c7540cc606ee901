import CertificateGate
import Foundation
import KeywardPKI
import TLSProbe
import X509

/// What `keyward probe` found: the served chain, and every check it failed.
struct ProbeReport {
    struct Expected {
        var certificate: Certificate
        /// A file path or `Secret ns/name`, for the output.
        var source: String
    }

    let target: ProbeTarget
    let chain: ServedChain
    let now: Date
    /// Nil when no --ca was given.
    let chainVerdict: String?
    /// Nil when nothing was expected.
    let expectedVerdict: String?
    /// Each failed check, in words; empty when everything passed.
    let problems: [String]

    var outcome: ProbeCommand.Outcome { problems.isEmpty ? .ok : .failed }

    init(target: ProbeTarget, chain: ServedChain, roots: [Certificate]?, expected: Expected?, now: Date) async {
        self.target = target
        self.chain = chain
        self.now = now
        var problems: [String] = []
        let leaf = chain.leafInfo
        if now > leaf.notAfter { problems.append("the leaf expired at \(leaf.notAfter.formatted(.iso8601))") }
        if now < leaf.notBefore { problems.append("the leaf is not valid before \(leaf.notBefore.formatted(.iso8601))") }
        if !NameCoverage.covers(leaf, name: target.serverName) {
            problems.append("the leaf does not cover \(target.serverName.debugDescription)")
        }
        if let roots {
            let result = await ChainVerifier(trustRoots: roots)
                .verify(leaf: chain.leaf, intermediates: chain.intermediates, at: now, dnsName: target.serverName)
            if let failure = result.failure {
                chainVerdict = "invalid: \(failure)"
                problems.append("chain invalid: \(failure)")
            } else {
                chainVerdict = "valid for \(target.serverName)"
            }
        } else {
            chainVerdict = nil
        }
        if let expected {
            if expected.certificate == chain.leaf {
                expectedVerdict = "matches \(expected.source)"
            } else {
                let wanted = (try? CertificateInfo(expected.certificate).serialHex) ?? "?"
                expectedVerdict = "MISMATCH: serves serial \(leaf.serialHex.uppercased()), \(expected.source) holds serial \(wanted.uppercased())"
                problems.append("another certificate than \(expected.source) is served")
            }
        } else {
            expectedVerdict = nil
        }
        self.problems = problems
    }

    func rendered(style: TerminalStyle) -> String {
        var lines = ["\(target.address) (server name \(target.serverName)): \(chain.infos.count) certificate(s) served"]
        for (index, info) in chain.infos.enumerated() {
            let seconds = info.notAfter.timeIntervalSince(now)
            let days = Int((seconds / 86400).rounded(.down))
            let left = seconds < 0 ? style.bad("expired \(-days) day(s) ago") : "\(days) day(s) left"
            let sans = info.dnsNames.map { "DNS:\($0)" } + info.ipAddresses.map { "IP:\($0)" } + info.uris.map { "URI:\($0)" }
                + info.emailAddresses.map { "email:\($0)" }
            let safe = TerminalText.printable
            lines += [
                "[\(index)] subject:  \(safe(info.subjectDN))",
                "    SANs:     \(sans.isEmpty ? "none" : safe(sans.joined(separator: ", ")))",
                "    issuer:   \(safe(info.issuerDN))",
                "    serial:   \(info.serialHex.uppercased())",
                "    notAfter: \(info.notAfter.formatted(.iso8601)) (\(left))",
            ]
        }
        if let chainVerdict {
            lines.append("chain:    " + (chainVerdict.hasPrefix("valid") ? style.good(chainVerdict) : style.bad(chainVerdict)))
        }
        if let expectedVerdict {
            lines.append("expected: " + (expectedVerdict.hasPrefix("matches") ? style.good(expectedVerdict) : style.bad(expectedVerdict)))
        }
        lines.append(problems.isEmpty ? style.good("ok") : style.bad("failed") + ": " + problems.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }
}
