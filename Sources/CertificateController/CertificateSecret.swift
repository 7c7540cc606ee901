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

    /// Whether Keyward may write this Secret for `certificate`: Keyward created it for this Certificate (our label
    /// and the Certificate's name), or the spec asks to adopt it and the Secret consents (``AdoptionConsent``).
    /// A label alone is not enough: whoever can label a Secret could also have made it for someone else's name.
    static func isOwned(_ secret: Secret, by certificate: Certificate) -> Bool {
        isCreated(secret, for: certificate)
            || (certificate.spec.adoptExistingSecret
                && AdoptionConsent.allows(secret, kind: Certificate.kind, name: certificate.metadata.name))
    }

    /// Whether the Secret carries the marks Keyward puts on the Secret of this Certificate.
    static func isCreated(_ secret: Secret, for certificate: Certificate) -> Bool {
        secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[KeywardAnnotations.certificateName] == certificate.metadata.name
    }

    /// Why `secret` may not be written for `certificate`, and what its owner would do to hand it over.
    static func notOwnedMessage(_ secret: Secret, certificate: Certificate) -> String {
        let consent = AdoptionConsent.annotation(kind: Certificate.kind, name: certificate.metadata.name)
        if certificate.spec.adoptExistingSecret {
            return "Secret \(secret.metadata.name) was not created by this Certificate and its owner has not consented "
                + "to adoption; whoever may write the Secret can annotate it \(consent)"
        }
        return "Secret \(secret.metadata.name) exists and was not created by this Certificate; to hand it over, its owner "
            + "annotates it \(consent) and the Certificate sets spec.adoptExistingSecret"
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
        var labels = secret.metadata.labels
        for (k, v) in certificate.spec.secretTemplate?.labels ?? [:] { labels[k] = v }
        for (k, v) in KeywardLabels.standard { labels[k] = v }
        secret.metadata.labels = labels
        var annotations = secret.metadata.annotations
        for (k, v) in certificate.spec.secretTemplate?.annotations ?? [:] { annotations[k] = v }
        annotations[KeywardAnnotations.certificateName] = certificate.metadata.name
        annotations[KeywardAnnotations.issuer] = issuerName
        annotations[KeywardAnnotations.serial] = issued.serialHex.uppercased()
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
