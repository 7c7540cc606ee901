import Foundation
import KeywardCore
import KeywardPKI
import X509

/// The `wait-for-certs` init-container gate: holds a consumer back until its certificate files are usable.
///
/// The seed's shell loop only tested that the files exist; a consumer started on a half-written, mismatched or
/// expired pair fails in ways that are hard to trace back to the certificate. The gate therefore opens only when
/// the certificate and key parse, belong together and are valid now, and every requested check passes.
public enum CertificateGate {
    /// Looks at the files once. Anything wrong with them is a ``GateVerdict/waiting(_:)`` reason, never an error:
    /// the files may be mid-write, and garbage now may be fixed by the next write.
    public static func evaluate(_ options: WaitForCertsOptions, at now: Date) async -> GateVerdict {
        guard !options.files.isEmpty else { return .waiting(.missingFile(path: options.directory)) }
        let certificatePath = options.certificatePath
        let keyPath = options.keyPath

        let certificateText: String
        switch readText(certificatePath) {
        case .value(let text): certificateText = text
        case .wait(let reason): return .waiting(reason)
        }
        let keyText: String
        switch readText(keyPath) {
        case .value(let text): keyText = text
        case .wait(let reason): return .waiting(reason)
        }

        let certificates: [Certificate]
        switch parseCertificates(certificateText, path: certificatePath) {
        case .value(let parsed): certificates = parsed
        case .wait(let reason): return .waiting(reason)
        }
        let leaf = certificates[0]
        let info: CertificateInfo
        do {
            info = try CertificateInfo(leaf)
        } catch {
            return .waiting(.notACertificate(path: certificatePath, reason: error.description))
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(pemEncoded: keyText)
        } catch {
            return .waiting(.notAPrivateKey(path: keyPath, reason: error.description))
        }
        guard key.matches(leaf) else {
            return .waiting(.keyMismatch(certificatePath: certificatePath, keyPath: keyPath))
        }

        var intermediates = Array(certificates.dropFirst())
        for path in options.extraPaths {
            switch readText(path, allowEmpty: true) {
            case .wait(let reason): return .waiting(reason)
            case .value(let text) where text.allSatisfy({ $0.isWhitespace }):
                continue  // e.g. chain.pem of a certificate issued directly by the root
            case .value(let text):
                switch parseCertificates(text, path: path) {
                case .value(let parsed): intermediates += parsed
                case .wait(let reason): return .waiting(reason)
                }
            }
        }

        if now < info.notBefore { return .waiting(.notYetValid(notBefore: info.notBefore)) }
        if now > info.notAfter { return .waiting(.expired(notAfter: info.notAfter)) }
        if info.notAfter < now + options.minValidity {
            return .waiting(.insufficientValidity(notAfter: info.notAfter, minValidity: options.minValidity))
        }
        for name in options.dnsNames where !NameCoverage.covers(info, name: name) {
            return .waiting(.nameNotCovered(name: name))
        }

        guard let caPath = options.caFile else { return .ready(info) }
        let roots: [Certificate]
        switch readText(caPath) {
        case .wait(let reason): return .waiting(reason)
        case .value(let text):
            switch parseCertificates(text, path: caPath) {
            case .value(let parsed): roots = parsed
            case .wait(let reason): return .waiting(reason)
            }
        }
        var crl: CRLSource?
        if let crlPath = options.crlFile {
            switch FileProbe.read(crlPath) {
            case .missing: return .waiting(.missingFile(path: crlPath))
            case .unreadable(let reason): return .waiting(.unreadableFile(path: crlPath, reason: reason))
            case .contents(let data) where data.isEmpty: return .waiting(.emptyFile(path: crlPath))
            case .contents(let data):
                let text = String(decoding: data, as: UTF8.self)
                crl = text.contains("-----BEGIN") ? .pem(text) : .der(Array(data))
            }
        }

        let result = await ChainVerifier(trustRoots: roots).verify(
            leaf: leaf, intermediates: intermediates, at: now, dnsName: options.dnsNames.first, crl: crl
        )
        guard let failure = result.failure else { return .ready(info) }
        return .waiting(reason(for: failure, crlPath: options.crlFile ?? ""))
    }

    /// Polls until the files are ready, printing one line whenever the reason for waiting changes (not on every
    /// poll), and returns the ready certificate's facts.
    ///
    /// - Throws: ``CertificateGateError/invalidOptions(reason:)`` before looking at any file,
    ///   ``CertificateGateError/timedOut(after:lastReason:)`` when `options.timeout` passes, or `CancellationError`.
    public static func wait(
        _ options: WaitForCertsOptions, clock: any WallClock = SystemClock(), output: (String) -> Void
    ) async throws -> CertificateInfo {
        try options.validate()
        let deadline = options.timeout.map { clock.now + $0 }
        var lastReason: WaitReason?
        while true {
            let now = clock.now
            switch await evaluate(options, at: now) {
            case .ready(let info):
                output(readyLine(info, options: options))
                return info
            case .waiting(let reason):
                if reason != lastReason {
                    output("waiting: \(reason)")
                    lastReason = reason
                }
                if let deadline, let timeout = options.timeout, now >= deadline {
                    throw CertificateGateError.timedOut(after: timeout, lastReason: reason)
                }
                var wake = now + options.interval
                if let deadline { wake = min(wake, deadline) }
                try await clock.sleep(until: wake)
            }
        }
    }

    static func readyLine(_ info: CertificateInfo, options: WaitForCertsOptions) -> String {
        let name = info.commonName ?? info.dnsNames.first ?? info.subjectDN
        return "ready: \(options.certificatePath) (\(name), serial \(info.serialHex), valid until "
            + "\(info.notAfter.formatted(.iso8601)))"
    }

    // MARK: Reading

    /// A read or parse that either produced a value or found a reason to keep waiting.
    private enum Step<Value> {
        case value(Value)
        case wait(WaitReason)
    }

    private static func readText(_ path: String, allowEmpty: Bool = false) -> Step<String> {
        switch FileProbe.read(path) {
        case .missing: return .wait(.missingFile(path: path))
        case .unreadable(let reason): return .wait(.unreadableFile(path: path, reason: reason))
        case .contents(let data):
            if !allowEmpty, data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                return .wait(.emptyFile(path: path))
            }
            return .value(String(decoding: data, as: UTF8.self))
        }
    }

    /// The certificates of a PEM file. Only `CERTIFICATE` blocks are considered, so a combined certificate+key file
    /// works; with none, the whole text goes to the parser so its error says what the file is instead.
    private static func parseCertificates(_ text: String, path: String) -> Step<[Certificate]> {
        let blocks = certificateBlocks(in: text)
        do {
            return .value(try PEMBundle.certificates(from: blocks.isEmpty ? text : blocks))
        } catch {
            return .wait(.notACertificate(path: path, reason: error.description))
        }
    }

    static func certificateBlocks(in text: String) -> String {
        let begin = "-----BEGIN \(PEMBundle.certificateBlockType)-----"
        let end = "-----END \(PEMBundle.certificateBlockType)-----"
        var result = ""
        var inside = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if !inside, line == begin { inside = true }
            if inside { result += line + "\n" }
            if inside, line == end { inside = false }
        }
        // An unterminated block is kept so the parser reports the truncation.
        return result
    }

    private static func reason(for failure: VerificationFailure, crlPath: String) -> WaitReason {
        switch failure {
        case .noTrustRoots: .untrustedChain(reasons: ["the CA file holds no certificates"])
        case .notYetValid(let notBefore): .notYetValid(notBefore: notBefore)
        case .expired(let notAfter): .expired(notAfter: notAfter)
        case .untrustedChain(let reasons): .untrustedChain(reasons: reasons)
        case .nameMismatch(let name): .nameNotCovered(name: name)
        case .notForServerAuth: .notForServerAuth
        case .crlUnreadable(let reason): .crlUnreadable(path: crlPath, reason: reason)
        case .crlWrongIssuer(let crlIssuer, let certificateIssuer):
            .crlNotSignedByCA(
                path: crlPath, reason: "issued by \"\(crlIssuer)\", not by \"\(certificateIssuer)\"")
        case .crlBadSignature: .crlNotSignedByCA(path: crlPath, reason: "signature does not verify")
        case .crlNotYetValid(let thisUpdate): .crlNotYetValid(path: crlPath, thisUpdate: thisUpdate)
        case .crlExpired(let nextUpdate): .crlExpired(path: crlPath, nextUpdate: nextUpdate)
        case .revoked(let serialHex, let reason, let date):
            .revoked(serialHex: serialHex, reason: reason, revocationDate: date)
        }
    }
}
