@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Testing

@Suite struct CertificateCachePolicyTests {
    private static func certificate(_ name: String, issuer: String, fingerprint: String) -> Certificate {
        var status = Certificate.Status()
        status.issuerName = issuer
        status.issuerFingerprintSHA256 = fingerprint
        status.serialNumber = "0123456789ABCDEF0123456789ABCDEF"
        var certificate = Certificate(metadata: ObjectMeta(name: name, namespace: "shop"),
                                      spec: Certificate.Spec(secretName: "\(name)-tls", issuer: .certificate("root-ca")),
                                      status: status)
        certificate.metadata.unknownFields["managedFields"] = .array([.object(["manager": "keyward"])])
        return certificate
    }

    private static func storage(_ text: String?) -> UnsafeRawPointer? {
        text?.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    @Test func theIssuerFieldsOfCachedCertificatesShareOneCopy() {
        let policy = CachePolicy<Certificate>.certificates()
        let fingerprint = String(repeating: "AB", count: 32)
        // Separate storage for each Certificate's text, as decoding gives.
        func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        let a = policy.strip(Self.certificate("a", issuer: fresh("Certificate/shop/root-ca"), fingerprint: fresh(fingerprint)))
        let b = policy.strip(Self.certificate("b", issuer: fresh("Certificate/shop/root-ca"), fingerprint: fresh(fingerprint)))
        #expect(a.status?.issuerFingerprintSHA256 == fingerprint && b.status?.issuerFingerprintSHA256 == fingerprint)
        #expect(b.status?.issuerName == "Certificate/shop/root-ca")
        #expect(Self.storage(a.status?.issuerFingerprintSHA256) == Self.storage(b.status?.issuerFingerprintSHA256))
        #expect(Self.storage(a.status?.issuerName) == Self.storage(b.status?.issuerName))
        #expect(a.status?.serialNumber == "0123456789ABCDEF0123456789ABCDEF", "other fields are left as they are")
        #expect(a.metadata.unknownFields["managedFields"] == nil)
        #expect(a.spec == Self.certificate("a", issuer: "", fingerprint: "").spec)
    }
}
