import SwiftASN1
import X509

extension PEMBundle {
    /// The certificate's DER: what protocols that carry certificates as bytes (ACME revokeCert, ARI) send.
    public static func derEncoded(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        // Serializing a parsed or freshly built certificate only re-emits stored bytes; it cannot fail.
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
