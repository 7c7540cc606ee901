import ArgumentParser
import CertificateGate
import Foundation
import KeywardPKI
import KubernetesClient
import X509

/// `keyward verify`: one fail-closed verdict on a certificate file, with the exit codes `wait-for-certs` uses.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a certificate: chain, names, time, key and revocation (fail-closed).",
        discussion: """
            Exit 0 when every check passes, 1 when one fails (the reason is printed), 2 on bad options — as \
            `wait-for-certs` uses them. Fail-closed: an unreadable, foreign, mis-signed or stale CRL, an unreadable \
            file or a CRL URL that cannot be fetched is a failure. Certificates after the first in CERT (and those in \
            --chain) are offered as intermediates. Without --ca the system trust store is used.
            """)

    @Argument(help: "PEM or DER certificate file (leaf first; further certificates are intermediates).")
    var certificate: String

    @Option(help: "Trust anchors (PEM); default: $SSL_CERT_FILE or the system bundle.")
    var ca: String?

    @Option(help: "Intermediate certificates (PEM).")
    var chain: String?

    @Option(help: "Private key that must match the certificate (only its public half is used; nothing is printed).")
    var key: String?

    @Option(help: "CRL file (PEM or DER) the certificate must not be listed in.")
    var crl: String?

    @Option(help: "Fetch the CRL from this http(s) URL instead.")
    var crlUrl: String?

    @Option(name: .customLong("dns-name"), help: "A DNS name or IP address the certificate must cover (repeatable).")
    var dnsNames: [String] = []

    @Option(help: "Verify at this time (RFC 3339, e.g. 2027-01-31T12:00:00Z) instead of now.")
    var at: String?

    /// System CA bundles, in the order OpenSSL-based distributions keep them.
    static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]

    /// A failed check: printed as `invalid: …` and exit 1.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() async throws {
        let time: Date
        do { time = try options() } catch let failure as Failure {
            printError("verify: \(failure)")
            throw ExitCode(2)
        }
        do {
            let leaf = try await verify(at: time)
            let name = TerminalText.printable(leaf.commonName ?? leaf.dnsNames.first ?? leaf.subjectDN)
            print(TerminalStyle.standardOutput.good("valid") + ": \(certificate) (\(name), serial \(leaf.serialHex.uppercased()), valid until "
                  + "\(leaf.notAfter.formatted(.iso8601)))")
        } catch let failure as Failure {
            print(TerminalStyle.standardOutput.bad("invalid") + ": \(certificate): " + TerminalText.printable("\(failure)"))
            throw ExitCode(1)
        }
    }

    /// Option combinations that can never verify anything; returns the verification time.
    private func options() throws -> Date {
        if crl != nil, crlUrl != nil { throw Failure(description: "--crl and --crl-url are exclusive") }
        if dnsNames.contains(where: \.isEmpty) { throw Failure(description: "--dns-name must not be empty") }
        if let crlUrl {
            guard let url = URL(string: crlUrl), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw Failure(description: "--crl-url must be an http or https URL")
            }
        }
        guard let at else { return Date() }
        guard let time = KubeTime.parse(at) else {
            throw Failure(description: "--at \(at): not an RFC 3339 time (e.g. 2027-01-31T12:00:00Z)")
        }
        return time
    }

    private func verify(at time: Date) async throws -> CertificateInfo {
        let certificates = try Self.certificates(in: certificate)
        let leaf = certificates[0]
        let info: CertificateInfo
        do { info = try CertificateInfo(leaf) } catch { throw Failure(description: error.description) }

        if let key {
            let bundle = MaterialBundle(bytes: try Self.read(key))
            guard let privateKey = bundle.privateKeys.first else {
                let reason = bundle.items.compactMap { if case .unreadable(_, let reason) = $0 { reason } else { nil } }.first
                throw Failure(description: "\(key): no usable private key" + (reason.map { " (\($0))" } ?? ""))
            }
            guard privateKey.matches(leaf) else {
                throw Failure(description: "the private key in \(key) does not match the certificate")
            }
        }
        let intermediates = Array(certificates.dropFirst()) + (try chain.map { try Self.certificates(in: $0) } ?? [])
        let roots = try ca.map { try Self.certificates(in: $0) } ?? Self.systemRoots()

        var crlSource: CRLSource?
        if let crl { crlSource = Self.crlSource(try Self.read(crl)) }
        if let crlUrl { crlSource = Self.crlSource(try await Self.fetch(crlUrl)) }

        let verifier = ChainVerifier(trustRoots: roots)
        // One pass per name (the verifier checks one server name at a time); at least one pass without a name.
        for name in dnsNames.isEmpty ? [nil] : dnsNames.map(Optional.some) {
            let result = await verifier.verify(leaf: leaf, intermediates: intermediates, at: time, dnsName: name, crl: crlSource)
            if let failure = result.failure { throw Failure(description: failure.description) }
        }
        return info
    }

    private static func crlSource(_ bytes: [UInt8]) -> CRLSource {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("-----BEGIN") ? .pem(text) : .der(bytes)
    }

    static func read(_ path: String) throws -> [UInt8] {
        switch FileProbe.read(path) {
        case .missing: throw Failure(description: "\(path): no such file")
        case .unreadable(let reason): throw Failure(description: "\(path): \(reason)")
        case .contents(let data) where data.isEmpty: throw Failure(description: "\(path): empty file")
        case .contents(let data): return Array(data)
        }
    }

    /// Every certificate of a file; any unreadable block fails (a half-garbled bundle is not trusted).
    static func certificates(in path: String) throws -> [Certificate] {
        let bundle = MaterialBundle(bytes: try read(path))
        for case .unreadable(let type, let reason) in bundle.items where type == "CERTIFICATE" || type == "DER" || type == "PEM" {
            throw Failure(description: "\(path): \(reason)")
        }
        guard !bundle.certificates.isEmpty else { throw Failure(description: "\(path): holds no certificate") }
        return bundle.certificates
    }

    static func systemRoots() throws -> [Certificate] {
        let candidates = [ProcessInfo.processInfo.environment["SSL_CERT_FILE"]].compactMap { $0 } + systemBundles
        guard let bundle = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw Failure(description: "no --ca given and no system trust store found (looked at \(candidates.joined(separator: ", ")))")
        }
        // A system bundle may hold certificates swift-certificates cannot parse; those simply do not count.
        return MaterialBundle(bytes: try read(bundle)).certificates
    }

    /// Downloads a CRL; any failure is a verification failure (fail-closed).
    static func fetch(_ url: String) async throws -> [UInt8] {
        guard let parsed = URL(string: url) else { throw Failure(description: "CRL unusable, failing closed: bad URL") }
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        let response: HTTPResponse
        do {
            // Bounded as it arrives (after decompression), not once it is all in memory.
            var request = HTTPRequest(method: .get, url: parsed, timeout: .seconds(30))
            request.maxBodyBytes = FileProbe.maximumSize
            response = try await transport.send(request)
        } catch {
            throw Failure(description: "CRL unusable, failing closed: fetching \(url) failed: \(error)")
        }
        guard response.status == 200 else {
            throw Failure(description: "CRL unusable, failing closed: \(url) answered HTTP \(response.status)")
        }
        guard response.body.count <= FileProbe.maximumSize else {
            throw Failure(description: "CRL unusable, failing closed: \(url) sent more than \(FileProbe.maximumSize >> 20) MiB")
        }
        return Array(response.body)
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
