import SwiftASN1
import X509

extension PrivateKey {
    /// A PKCS#10 request (DER) for `template` signed with this key: what is sent to a remote CA (ACME finalize) so the
    /// key itself never leaves. Subject from the template (empty when it names none, as ACME CAs expect), the SANs in
    /// an extensionRequest attribute; the CA decides the rest of the profile.
    public func certificateSigningRequestDER(for template: CertificateTemplate) throws -> [UInt8] {
        var names: [GeneralName] = template.dnsNames.map { .dnsName($0) }
        names += template.ipAddresses.compactMap(IPAddress.bytes).map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        names += template.emailAddresses.map { .rfc822Name($0) }
        names += template.uris.map { .uniformResourceIdentifier($0) }
        var extensions = Certificate.Extensions()
        if !names.isEmpty {
            try extensions.append(Certificate.Extension(SubjectAlternativeNames(names), critical: template.hasEmptySubject))
        }
        var attributes = CertificateSigningRequest.Attributes()
        attributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)))
        let request = try CertificateSigningRequest(
            version: .v1, subject: try Issuer.distinguishedName(for: template), privateKey: certificatePrivateKey,
            attributes: attributes, signatureAlgorithm: SignatureScheme(for: self).certificateSignatureAlgorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
