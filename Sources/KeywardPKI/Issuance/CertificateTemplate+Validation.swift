import Foundation

extension CertificateTemplate {
    /// Checks every field, throwing for the first problem with its `spec.` path.
    ///
    /// Usage compatibility depends on the key, hence `keyAlgorithm` (e.g. key agreement is impossible with RSA).
    public func validate(for keyAlgorithm: KeyAlgorithm) throws(IssuanceError) {
        if let commonName {
            guard !commonName.isEmpty else { throw .invalidField(field: "spec.commonName", reason: "must not be empty") }
            // X.520 ub-common-name; longer values make conforming parsers reject the certificate.
            guard commonName.count <= 64 else {
                throw .invalidField(field: "spec.commonName", reason: "longer than 64 characters")
            }
        }
        guard !hasEmptySubject || hasSubjectAlternativeNames else {
            throw .invalidField(
                field: "spec",
                reason: "at least one of commonName, dnsNames, ipAddresses, uris or emailAddresses is required"
            )
        }
        if isCA && hasEmptySubject {
            // RFC 5280 4.1.2.6: a CA's subject is the issuer name of everything it signs, so it must be non-empty.
            throw .invalidField(field: "spec.commonName", reason: "a CA certificate needs a commonName or subject")
        }
        for (i, name) in dnsNames.enumerated() {
            if let problem = NameSyntax.dnsNameProblem(name) {
                throw .invalidField(field: "spec.dnsNames[\(i)]", reason: "\"\(name)\" \(problem)")
            }
        }
        for (i, address) in ipAddresses.enumerated() where IPAddress.bytes(address) == nil {
            throw .invalidField(field: "spec.ipAddresses[\(i)]", reason: "\"\(address)\" is not an IPv4 or IPv6 address")
        }
        for (i, uri) in uris.enumerated() {
            if let problem = NameSyntax.uriProblem(uri) {
                throw .invalidField(field: "spec.uris[\(i)]", reason: "\"\(uri)\" \(problem)")
            }
        }
        for (i, email) in emailAddresses.enumerated() {
            if let problem = NameSyntax.emailProblem(email) {
                throw .invalidField(field: "spec.emailAddresses[\(i)]", reason: "\"\(email)\" \(problem)")
            }
        }
        try validateSubject()
        try validateLifetime()
        try validateUsages(for: keyAlgorithm)
        for (i, url) in crlDistributionPoints.enumerated() {
            if let problem = NameSyntax.crlURLProblem(url) {
                throw .invalidField(field: "spec.crlDistributionPoints[\(i)]", reason: "\"\(url)\" \(problem)")
            }
        }
    }

    private func validateSubject() throws(IssuanceError) {
        // Upper bounds from RFC 5280 Appendix A (ub-organization-name etc.).
        let lists: [(String, [String], Int)] = [
            ("organizations", subject.organizations, 64),
            ("organizationalUnits", subject.organizationalUnits, 64),
            ("localities", subject.localities, 128),
            ("provinces", subject.provinces, 128),
        ]
        for (name, values, limit) in lists {
            for (i, value) in values.enumerated() {
                let field = "spec.subject.\(name)[\(i)]"
                guard !value.isEmpty else { throw .invalidField(field: field, reason: "must not be empty") }
                guard value.count <= limit else {
                    throw .invalidField(field: field, reason: "longer than \(limit) characters")
                }
            }
        }
        for (i, country) in subject.countries.enumerated() {
            guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                throw .invalidField(
                    field: "spec.subject.countries[\(i)]",
                    reason: "\"\(country)\" must be a two-letter upper-case ISO 3166 code"
                )
            }
        }
    }

    private func validateLifetime() throws(IssuanceError) {
        guard duration.isFinite, duration >= Self.minimumDuration else {
            throw .invalidField(field: "spec.duration", reason: "must be at least 1h")
        }
        // Stays far inside GeneralizedTime's year-9999 limit for any plausible "now".
        guard duration <= 100 * 365 * 24 * 3600 else {
            throw .invalidField(field: "spec.duration", reason: "must be at most 100 years")
        }
        if let maxPathLength {
            guard isCA else {
                throw .invalidField(field: "spec.maxPathLength", reason: "only allowed when isCA is true")
            }
            guard maxPathLength >= 0 else {
                throw .invalidField(field: "spec.maxPathLength", reason: "must not be negative")
            }
        }
    }

    private func validateUsages(for keyAlgorithm: KeyAlgorithm) throws(IssuanceError) {
        let all = Set(usages.map(\.canonical))
        for (i, usage) in usages.enumerated() {
            let field = "spec.usages[\(i)]"
            switch usage.canonical {
            case .certSign where !isCA:
                // RFC 5280 4.2.1.3: keyCertSign requires basicConstraints cA.
                throw .invalidField(field: field, reason: "\"cert sign\" requires isCA: true")
            case .keyAgreement where keyAlgorithm.isRSA || keyAlgorithm == .ed25519:
                throw .invalidField(field: field, reason: "\"key agreement\" is impossible with a \(keyAlgorithm) key")
            case .dataEncipherment where !keyAlgorithm.isRSA:
                throw .invalidField(
                    field: field, reason: "\"data encipherment\" is impossible with a \(keyAlgorithm) key"
                )
            case .encipherOnly, .decipherOnly:
                guard all.contains(.keyAgreement), !keyAlgorithm.isRSA, keyAlgorithm != .ed25519 else {
                    throw .invalidField(field: field, reason: "\"\(usage.rawValue)\" requires \"key agreement\"")
                }
            default:
                break
            }
        }
    }
}
