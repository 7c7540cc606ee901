import Foundation
import KeywardPKI
import X509

/// What `keyward inspect` says about one source (a file, or one key of a Secret): every certificate, key and CRL
/// in it, in order. Codable for `-o json|yaml`. Holds facts only, never key material.
struct MaterialReport: Codable, Sendable {
    struct CertificateFacts: Codable, Sendable {
        /// 1-based position of the block in its source.
        var position: Int
        var subject: String
        var issuer: String
        /// Upper-case hex, as `openssl x509 -noout -serial` and `status.serialNumber` print it.
        var serialNumber: String
        var notBefore: Date
        var notAfter: Date
        /// Whole days from now until notAfter (negative once expired).
        var daysLeft: Int
        /// "valid", "expired" or "not yet valid" at the time of inspection.
        var validity: String
        /// e.g. "ECDSA P-256", "RSA 2048"; "unsupported" for key types Keyward does not issue.
        var keyAlgorithm: String
        var isCA: Bool
        var maxPathLength: Int?
        var selfSigned: Bool
        var usages: [String]
        var dnsNames: [String]
        var ipAddresses: [String]
        var uris: [String]
        var emailAddresses: [String]
        var crlDistributionPoints: [String]
        var sha256Fingerprint: String
        /// For all but the last certificate of a source: whether the next one issued it (a correctly ordered
        /// chain is leaf first, each certificate followed by its issuer).
        var issuedByNext: Bool?
        /// The private key (as `SOURCE#POSITION`) among the inspected inputs whose public half this certifies.
        var matchingKey: String?
    }

    struct KeyFacts: Codable, Sendable {
        var position: Int
        var algorithm: String
        /// The certificates (as `SOURCE#POSITION`) among the inspected inputs that certify this key.
        var matchingCertificates: [String]
    }

    struct CRLFacts: Codable, Sendable {
        var position: Int
        var issuer: String
        var crlNumber: String
        var thisUpdate: Date
        var nextUpdate: Date
        /// False once nextUpdate has passed (or before thisUpdate): a stale CRL is not to be relied on.
        var current: Bool
        /// Upper-case hex serials.
        var revokedSerialNumbers: [String]
    }

    struct Problem: Codable, Sendable {
        var position: Int
        var blockType: String
        var reason: String
    }

    var source: String
    var certificates: [CertificateFacts] = []
    var keys: [KeyFacts] = []
    var crls: [CRLFacts] = []
    var problems: [Problem] = []

    /// Reports for several sources at once, so a key in one (a Secret's `tls.key`) is matched against the
    /// certificates of the others (`tls.crt`).
    static func build(_ sources: [(name: String, bundle: MaterialBundle)], now: Date) -> [MaterialReport] {
        var allCertificates: [(label: String, certificate: Certificate)] = []
        var allKeys: [(label: String, key: PrivateKey)] = []
        for source in sources {
            for (index, item) in source.bundle.items.enumerated() {
                let label = "\(source.name)#\(index + 1)"
                switch item {
                case .certificate(let certificate): allCertificates.append((label, certificate))
                case .privateKey(let key): allKeys.append((label, key))
                default: break
                }
            }
        }
        return sources.map { source in
            var report = MaterialReport(source: source.name)
            let items = source.bundle.items
            for (index, item) in items.enumerated() {
                let position = index + 1
                switch item {
                case .certificate(let certificate):
                    let next = items.dropFirst(position).first.flatMap {
                        if case .certificate(let next) = $0 { next } else { nil }
                    }
                    report.certificates.append(facts(certificate, position: position, next: next, now: now,
                                                     key: allKeys.first { $0.key.matches(certificate) }?.label))
                case .privateKey(let key):
                    report.keys.append(KeyFacts(
                        position: position, algorithm: key.algorithm.description,
                        matchingCertificates: allCertificates.filter { key.matches($0.certificate) }.map(\.label)))
                case .crl(let crl):
                    report.crls.append(CRLFacts(
                        position: position, issuer: crl.issuer.description, crlNumber: crl.crlNumber.description,
                        thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate,
                        current: crl.thisUpdate <= now && now <= crl.nextUpdate,
                        revokedSerialNumbers: crl.entries.map { $0.serialHex.uppercased() }))
                case .unreadable(let blockType, let reason):
                    report.problems.append(Problem(position: position, blockType: blockType, reason: reason))
                }
            }
            return report
        }
    }

    private static func facts(_ certificate: Certificate, position: Int, next: Certificate?, now: Date,
                              key: String?) -> CertificateFacts {
        let issuedByNext = next.map { $0.subject == certificate.issuer && $0.publicKey.isValidSignature(certificate.signature, for: certificate) }
        let validity = now < certificate.notValidBefore ? "not yet valid" : now > certificate.notValidAfter ? "expired" : "valid"
        let daysLeft = Int((certificate.notValidAfter.timeIntervalSince(now) / 86400).rounded(.down))
        guard let info = try? CertificateInfo(certificate) else {
            // Parsed as X.509 but an extension is malformed: the basics are still worth showing.
            return CertificateFacts(
                position: position, subject: certificate.subject.description, issuer: certificate.issuer.description,
                serialNumber: "", notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter,
                daysLeft: daysLeft, validity: validity, keyAlgorithm: "unsupported", isCA: false, maxPathLength: nil,
                selfSigned: false, usages: [], dnsNames: [], ipAddresses: [], uris: [], emailAddresses: [],
                crlDistributionPoints: [], sha256Fingerprint: "", issuedByNext: issuedByNext, matchingKey: key)
        }
        return CertificateFacts(
            position: position, subject: info.subjectDN, issuer: info.issuerDN, serialNumber: info.serialHex.uppercased(),
            notBefore: info.notBefore, notAfter: info.notAfter, daysLeft: daysLeft, validity: validity,
            keyAlgorithm: info.keyAlgorithm?.description ?? "unsupported", isCA: info.isCA,
            maxPathLength: info.maxPathLength, selfSigned: info.isSelfSigned, usages: info.usages.sorted().map(\.rawValue),
            dnsNames: info.dnsNames, ipAddresses: info.ipAddresses, uris: info.uris, emailAddresses: info.emailAddresses,
            crlDistributionPoints: info.crlDistributionPoints, sha256Fingerprint: info.sha256Fingerprint,
            issuedByNext: issuedByNext, matchingKey: key)
    }

    /// The human form: one block per certificate, key and CRL.
    func rendered(style: TerminalStyle) -> String {
        var lines = [style.bold(source)]
        func row(_ label: String, _ value: String) { lines.append("    " + (label + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        // What the inspected material says (names, subjects) is shown with its control characters escaped.
        let safe = TerminalText.printable
        for certificate in certificates {
            let role = certificate.isCA ? (certificate.selfSigned ? "root CA" : "CA") : (certificate.selfSigned ? "self-signed" : "leaf")
            lines.append("  certificate #\(certificate.position) (\(role))")
            row("subject", safe(certificate.subject))
            row("issuer", safe(certificate.issuer))
            row("serial", certificate.serialNumber)
            let days = certificate.daysLeft >= 0 ? "\(certificate.daysLeft) days left" : "\(-certificate.daysLeft) days ago"
            let state = certificate.validity == "valid" ? style.good("valid") : style.bad(certificate.validity)
            row("validity", "\(state), \(iso(certificate.notBefore)) to \(iso(certificate.notAfter)) (\(days))")
            row("key", certificate.keyAlgorithm + (certificate.matchingKey.map { ", private key \($0)" } ?? ""))
            row("CA", certificate.isCA ? "yes" + (certificate.maxPathLength.map { " (path length \($0))" } ?? "") : "no")
            if !certificate.usages.isEmpty { row("usages", certificate.usages.joined(separator: ", ")) }
            if !certificate.dnsNames.isEmpty { row("DNS names", safe(certificate.dnsNames.joined(separator: ", "))) }
            if !certificate.ipAddresses.isEmpty { row("IP addresses", certificate.ipAddresses.joined(separator: ", ")) }
            if !certificate.uris.isEmpty { row("URIs", safe(certificate.uris.joined(separator: ", "))) }
            if !certificate.emailAddresses.isEmpty { row("emails", safe(certificate.emailAddresses.joined(separator: ", "))) }
            if !certificate.crlDistributionPoints.isEmpty { row("CRL DPs", safe(certificate.crlDistributionPoints.joined(separator: ", "))) }
            row("SHA-256", certificate.sha256Fingerprint)
            if let issuedByNext = certificate.issuedByNext {
                row("chain", issuedByNext ? "issued by the next certificate"
                    : style.bad("not issued by the next certificate (wrong order or a foreign certificate)"))
            }
        }
        for key in keys {
            lines.append("  private key #\(key.position): \(key.algorithm), "
                + (key.matchingCertificates.isEmpty ? style.bad("matches no inspected certificate")
                   : "matches certificate " + key.matchingCertificates.joined(separator: ", ")))
        }
        for crl in crls {
            lines.append("  CRL #\(crl.position)")
            row("issuer", safe(crl.issuer))
            row("number", crl.crlNumber)
            row("updated", "\(iso(crl.thisUpdate)), next update \(iso(crl.nextUpdate))"
                + (crl.current ? "" : " " + style.bad("(stale)")))
            row("revoked", crl.revokedSerialNumbers.isEmpty ? "none" : crl.revokedSerialNumbers.joined(separator: ", "))
        }
        for problem in problems {
            lines.append("  " + style.bad("unreadable #\(problem.position) (\(problem.blockType))") + ": \(problem.reason)")
        }
        if certificates.isEmpty && keys.isEmpty && crls.isEmpty && problems.isEmpty { lines.append("  (empty)") }
        return lines.joined(separator: "\n")
    }

    private func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
