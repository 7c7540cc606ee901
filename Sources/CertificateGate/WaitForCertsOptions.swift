import Foundation
import KeywardCore

/// What `keyward wait-for-certs` waits for: certificate files in a directory that are complete and usable.
///
/// `files` is positional because consumers name files differently (`cert.pem`/`privkey.pem`, `tls.crt`/`tls.key`):
/// the first file holds the certificate (leaf first; any further certificates are used as intermediates), the
/// second the private key, and any others must merely exist (non-empty ones must hold certificates, which are
/// also offered as intermediates, e.g. `chain.pem`). A single file holds both certificate and key.
/// Relative file names resolve against `directory`; `caFile` and `crlFile` are used as given.
public struct WaitForCertsOptions: Sendable, Hashable {
    public static let defaultFiles = ["cert.pem", "privkey.pem"]
    public static let defaultInterval = GoDuration.seconds(2)

    public var directory: String
    public var files: [String]
    /// Trust anchors (PEM); when set the certificate must chain to one of them.
    public var caFile: String?
    /// Names (DNS or IP literals) the certificate must cover.
    public var dnsNames: [String]
    /// The certificate must stay valid at least this long from now; a certificate about to expire is not "ready".
    public var minValidity: GoDuration
    /// A CRL (PEM or DER) signed by the CA; the certificate must not be listed. Fail-closed: a missing, garbled,
    /// foreign or stale CRL keeps the gate shut. Requires `caFile`, because only the CA can vouch for a CRL.
    public var crlFile: String?
    /// Give up after this long; `nil` waits forever.
    public var timeout: GoDuration?
    /// Time between polls.
    public var interval: GoDuration

    public init(
        directory: String,
        files: [String] = WaitForCertsOptions.defaultFiles,
        caFile: String? = nil,
        dnsNames: [String] = [],
        minValidity: GoDuration = GoDuration(nanoseconds: 0),
        crlFile: String? = nil,
        timeout: GoDuration? = nil,
        interval: GoDuration = WaitForCertsOptions.defaultInterval
    ) {
        self.directory = directory
        self.files = files
        self.caFile = caFile
        self.dnsNames = dnsNames
        self.minValidity = minValidity
        self.crlFile = crlFile
        self.timeout = timeout
        self.interval = interval
    }

    /// Rejects option combinations that could never become ready, so a typo fails fast instead of waiting forever.
    public func validate() throws(CertificateGateError) {
        func invalid(_ reason: String) -> CertificateGateError { .invalidOptions(reason: reason) }
        if directory.isEmpty { throw invalid("--dir must not be empty") }
        if files.isEmpty { throw invalid("--files needs at least one file") }
        if files.contains(where: { $0.isEmpty }) { throw invalid("--files contains an empty name") }
        if Set(files).count != files.count { throw invalid("--files names a file twice") }
        if dnsNames.contains(where: { $0.isEmpty }) { throw invalid("--dns-name must not be empty") }
        if minValidity.nanoseconds < 0 { throw invalid("--min-validity must not be negative") }
        if interval.nanoseconds <= 0 { throw invalid("--interval must be positive") }
        if let timeout, timeout.nanoseconds < 0 { throw invalid("--timeout must not be negative") }
        if crlFile != nil, caFile == nil { throw invalid("--crl requires --ca (the CRL must be signed by the CA)") }
    }

    /// Where `file` (one of ``files``) lives.
    public func path(of file: String) -> String {
        if file.hasPrefix("/") { return file }
        return directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }

    var certificatePath: String { path(of: files[0]) }
    var keyPath: String { path(of: files.count > 1 ? files[1] : files[0]) }
    var extraPaths: [String] { files.dropFirst(2).map(path(of:)) }
}
