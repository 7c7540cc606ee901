import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing

/// Certificates whose RSA key has valid structure but numbers BoringSSL refuses: swift-crypto's DER path frees such
/// a key twice, so Keyward screens them first. The inputs are what `keyward-fuzz pem` found (now in its corpus).
@Suite("RSA key screen")
struct RSAKeyScreenTests {
    @Test("a certificate with an RSA key BoringSSL refuses is an invalid certificate, not a double free",
          arguments: ["rsa-key-rejected-by-boringssl-1.der", "rsa-key-rejected-by-boringssl-2.der"])
    func refusedRSAKey(_ file: String) throws {
        let url = ExternalTool.repositoryRoot.appendingPathComponent("fuzz/corpus/pem/\(file)")
        let der = try [UInt8](Data(contentsOf: url))
        #expect {
            _ = try PEMBundle.certificate(derEncoded: der)
        } throws: { error in
            guard case .invalidCertificate(_, let reason) = error as? PEMError else { return false }
            return reason.contains("RSA public key")
        }
        // The same bytes as a PEM block take the same screened path.
        let pem = "-----BEGIN CERTIFICATE-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END CERTIFICATE-----\n"
        #expect(throws: PEMError.self) { try PEMBundle.certificates(from: pem) }
    }

    @Test("valid RSA and ECDSA certificates pass the screen unchanged")
    func validKeysPass() throws {
        let chain = try String(contentsOf: ExternalTool.repositoryRoot.appendingPathComponent("fuzz/corpus/pem/chain.pem"),
                               encoding: .utf8)
        // chain.pem: an RSA-2048 leaf issued by an ECDSA P-256 CA (made with openssl).
        #expect(try PEMBundle.certificates(from: chain).count == 2)
        let leaf = try [UInt8](Data(contentsOf: ExternalTool.repositoryRoot.appendingPathComponent("fuzz/corpus/pem/leaf.der")))
        _ = try PEMBundle.certificate(derEncoded: leaf)
    }
}
