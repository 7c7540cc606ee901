import SwiftASN1
import X509

/// The cRLDistributionPoints extension (RFC 5280 4.2.1.13), which swift-certificates does not model.
///
/// Written the way Go's crypto/x509 writes it: one DistributionPoint per URL, each with only a fullName.
struct CRLDistributionPoints: Hashable, Sendable {
    var urls: [String]

    private static let fullNameTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    private static let distributionPointTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)

    func makeExtension() throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            for url in urls {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: Self.distributionPointTag) { coder in
                        try coder.appendConstructedNode(identifier: Self.fullNameTag) { coder in
                            try coder.serialize(GeneralName.uniformResourceIdentifier(url))
                        }
                    }
                }
            }
        }
        return Certificate.Extension(
            oid: OID.crlDistributionPoints, critical: false, value: serializer.serializedBytes[...]
        )
    }

    /// Collects the URI full names; relative names, reasons and cRLIssuer are skipped rather than rejected.
    init(_ ext: Certificate.Extension) throws {
        var urls: [String] = []
        let root = try DER.parse(ext.value)
        try DER.sequence(root, identifier: .sequence) { points in
            while let point = points.next() {
                try DER.sequence(point, identifier: .sequence) { fields in
                    while let field = fields.next() {
                        guard field.identifier == Self.distributionPointTag,
                            case .constructed(let names) = field.content
                        else { continue }
                        for name in names where name.identifier == Self.fullNameTag {
                            guard case .constructed(let generalNames) = name.content else { continue }
                            for generalName in generalNames {
                                if case .uniformResourceIdentifier(let url) = try GeneralName(derEncoded: generalName) {
                                    urls.append(url)
                                }
                            }
                        }
                    }
                }
            }
        }
        self.urls = urls
    }

    init(urls: [String]) {
        self.urls = urls
    }
}
