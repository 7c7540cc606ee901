import Foundation
import KeywardCore
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// The Secret layout of an issued certificate, and ownership rules.
///
/// `tls.crt` holds the leaf followed by intermediates (what TLS servers send), `tls.key` the key, `ca.crt` the root.
/// With `secretKeys.pemFiles` the same material also appears under the file names web servers expect.
enum CertificateSecret {
    static let certificateKey = "tls.crt"
    static let privateKeyKey = "tls.key"
    static let caKey = "ca.crt"
    static let crlKey = "ca.crl"

    /// Whether Keyward may write this Secret for `certificate`: it carries our label and names this Certificate,
    /// or the spec explicitly adopts it.
    static func isOwned(_ secret: Secret, by certificate: Certificate) -> Bool {
        if certificate.spec.adoptExistingSecret { return true }
        return secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[KeywardAnnotations.certificateName] == certificate.metadata.name
    }

    /// What is stored now, for the reissue policy.
    static func stored(in secret: Secret?) -> StoredCertificate {
        StoredCertificate(certificatePEM: secret?.string(certificateKey), privateKeyPEM: secret?.string(privateKeyKey))
    }

    /// `existing` (or a new Secret) rewritten to hold `issued` and `key`. Other data keys are kept.
    static func build(existing: Secret?, certificate: Certificate, issued: IssuedCertificate, key: PrivateKey,
                      revision: Int, issuerName: String) throws(IssuanceError) -> Secret {
        var secret = existing ?? Secret(metadata: ObjectMeta(name: certificate.spec.secretName,
                                                             namespace: certificate.metadata.namespace),
                                        type: Secret.tlsType)
        if existing == nil || secret.type != Secret.tlsType {
            // `type` is immutable on the server; an adopted Secret of another type cannot become a TLS Secret.
            if existing != nil { throw .invalidField(field: "spec.secretName", reason: "Secret \(secret.metadata.name) has type \(secret.type), not \(Secret.tlsType)") }
        }
        let info = try? CertificateInfo(issued.certificate)
        var labels = secret.metadata.labels
        for (k, v) in certificate.spec.secretTemplate?.labels ?? [:] { labels[k] = v }
        for (k, v) in KeywardLabels.standard { labels[k] = v }
        secret.metadata.labels = labels
        var annotations = secret.metadata.annotations
        for (k, v) in certificate.spec.secretTemplate?.annotations ?? [:] { annotations[k] = v }
        annotations[KeywardAnnotations.certificateName] = certificate.metadata.name
        annotations[KeywardAnnotations.issuer] = issuerName
        annotations[KeywardAnnotations.serial] = info?.serialHex.uppercased() ?? ""
        annotations[KeywardAnnotations.revision] = String(revision)
        secret.metadata.annotations = annotations
        if let uid = certificate.metadata.uid,
            !secret.metadata.ownerReferences.contains(where: { $0.uid == uid })
        {
            secret.metadata.ownerReferences.append(OwnerReference(controlledBy: certificate))
        }
        let encoding = (try? PrivateKeyEncoding(spec: certificate.spec.privateKey)) ?? .pkcs1
        let keyPEM = key.pemEncoded(encoding: encoding)
        secret.data[certificateKey] = Data(issued.fullchainPEM.utf8)
        secret.data[privateKeyKey] = Data(keyPEM.utf8)
        secret.data[caKey] = Data(issued.caPEM.utf8)
        if certificate.spec.secretKeys.pemFiles {
            secret.data["cert.pem"] = Data(issued.certificatePEM.utf8)
            secret.data["chain.pem"] = Data(issued.chainPEM.utf8)
            secret.data["fullchain.pem"] = Data(issued.fullchainPEM.utf8)
            secret.data["privkey.pem"] = Data(keyPEM.utf8)
        } else {
            for k in ["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"] { secret.data[k] = nil }
        }
        return secret
    }

    static func revision(of secret: Secret?) -> Int {
        secret.flatMap { Int($0.metadata.annotations[KeywardAnnotations.revision] ?? "") } ?? 0
    }
}
