import KeywardCore

extension Certificate.Spec {
    /// RFC 5280 upper bound for a common name (ub-common-name).
    public static let maximumCommonNameLength = 64
    /// Most entries in each name list (`maxItems` in the CRD): standalone manifests meet no API-server schema, and a
    /// hundred thousand names would be checked one by one before being refused anyway.
    public static let maximumNamesPerList = 100

    /// Every reason this spec cannot be issued, in field order. Pure: no I/O, no clock.
    ///
    /// The CRD schema rejects most of these at admission; this also covers what a schema cannot express
    /// (renewBefore < duration, name syntax, RSA vs ECDSA sizes) and standalone mode, where no API server checks
    /// anything.
    public func validate() -> [SpecViolation] {
        var v = ViolationCollector()
        if secretName.isEmpty { v.add("spec.secretName", "required") }
        else { v.check("spec.secretName", NameRules.dns1123SubdomainProblem(secretName)) }

        validateNames(&v)
        validateLifetime(&v)
        for (i, usage) in usages.enumerated() { v.check("spec.usages[\(i)]", usage.problem) }
        if let maxPathLength {
            if !isCA { v.add("spec.maxPathLength", "only allowed with isCA: true") }
            else if maxPathLength < 0 { v.add("spec.maxPathLength", "must be zero or greater") }
        }
        validatePrivateKey(&v)
        validateIssuer(&v)
        for (i, url) in crlDistributionPoints.enumerated() {
            v.check("spec.crlDistributionPoints[\(i)]", NameRules.urlProblem(url, schemes: ["http", "https", "ldap"]))
        }
        if let secretTemplate { validate(secretTemplate, &v) }
        v.check("spec.failurePolicy", failurePolicy.problem)
        if let files { validate(files, &v) }
        validateEndpoints(&v)
        return v.violations
    }

    private func validateNames(_ v: inout ViolationCollector) {
        if let commonName {
            if commonName.isEmpty { v.add("spec.commonName", "must not be empty when set") }
            else if commonName.count > Self.maximumCommonNameLength {
                v.add("spec.commonName", "must be at most \(Self.maximumCommonNameLength) characters (RFC 5280)")
            }
        }
        func each(_ field: String, _ names: [String], _ problem: (String) -> String?) {
            guard names.count <= Self.maximumNamesPerList else {
                return v.add(field, "must have at most \(Self.maximumNamesPerList) entries (has \(names.count))")
            }
            for (i, name) in names.enumerated() { v.check("\(field)[\(i)]", problem(name)) }
        }
        each("spec.dnsNames", dnsNames, NameRules.dnsNameProblem)
        each("spec.ipAddresses", ipAddresses, NameRules.ipAddressProblem)
        each("spec.uris", uris, NameRules.uriProblem)
        each("spec.emailAddresses", emailAddresses, NameRules.emailProblem)
        let hasSAN = !dnsNames.isEmpty || !ipAddresses.isEmpty || !uris.isEmpty || !emailAddresses.isEmpty
        let hasSubject = !(commonName ?? "").isEmpty || !(subject?.isEmpty ?? true)
        if isCA {
            // An issuer's subject is every child's issuer name; RFC 5280 forbids it being empty.
            if !hasSubject { v.add("spec.commonName", "a CA certificate needs a subject: set commonName or subject") }
        } else if !hasSAN && !hasSubject {
            v.add("spec.dnsNames",
                  "a leaf certificate needs at least one of commonName, dnsNames, ipAddresses, uris or emailAddresses")
        }
        if let subject { validate(subject, &v) }
    }

    private func validate(_ subject: Certificate.Subject, _ v: inout ViolationCollector) {
        // RFC 5280 Appendix A upper bounds.
        let bounded: [(String, [String], Int)] = [
            ("organizations", subject.organizations, 64), ("organizationalUnits", subject.organizationalUnits, 64),
            ("localities", subject.localities, 128), ("provinces", subject.provinces, 128),
            ("streetAddresses", subject.streetAddresses, 128), ("postalCodes", subject.postalCodes, 40),
        ]
        for (field, values, limit) in bounded {
            for (i, value) in values.enumerated() {
                if value.isEmpty { v.add("spec.subject.\(field)[\(i)]", "must not be empty") }
                else if value.count > limit { v.add("spec.subject.\(field)[\(i)]", "must be at most \(limit) characters") }
            }
        }
        for (i, country) in subject.countries.enumerated()
        where country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            v.add("spec.subject.countries[\(i)]", "\"\(country)\" is not a two-letter upper-case ISO 3166 code")
        }
        if let serial = subject.serialNumber, serial.isEmpty || serial.count > 64 {
            v.add("spec.subject.serialNumber", "must be 1 to 64 characters")
        }
    }

    private func validateLifetime(_ v: inout ViolationCollector) {
        let durationProblem = duration.problem(minimum: Self.minimumDuration)
        v.check("spec.duration", durationProblem)
        guard let renewBefore else { return }
        if let problem = renewBefore.problem() {
            v.add("spec.renewBefore", problem)
        } else if durationProblem == nil, let renew = renewBefore.duration, let life = duration.duration, renew >= life {
            v.add("spec.renewBefore", "must be shorter than duration (\(renewBefore) >= \(duration))")
        }
    }

    private func validatePrivateKey(_ v: inout ViolationCollector) {
        let key = privateKey
        if let problem = key.algorithm.problem {
            v.add("spec.privateKey.algorithm", problem)
        } else if let size = key.size {
            switch key.algorithm {
            case .rsa where !Certificate.PrivateKey.rsaSizes.contains(size):
                v.add("spec.privateKey.size", "RSA keys must be 2048, 3072 or 4096 bits, not \(size)")
            case .ecdsa where !Certificate.PrivateKey.ecdsaSizes.contains(size):
                v.add("spec.privateKey.size", "ECDSA keys must be 256 (P-256) or 384 (P-384) bits, not \(size)")
            default: break
            }
        }
        if let encoding = key.encoding {
            if let problem = encoding.problem { v.add("spec.privateKey.encoding", problem) }
            else if key.algorithm == .ed25519 && encoding == .pkcs1 {
                v.add("spec.privateKey.encoding", "Ed25519 keys have no PKCS1 form; use PKCS8 or leave it unset")
            }
        }
        v.check("spec.privateKey.rotationPolicy", key.rotationPolicy.problem)
    }

    private func validateIssuer(_ v: inout ViolationCollector) {
        let set = [issuer.selfSigned != nil, issuer.ca != nil, issuer.issuerRef != nil].filter { $0 }.count
        if set == 0 { return v.add("spec.issuer", "exactly one of selfSigned, ca or issuerRef is required") }
        if set > 1 { return v.add("spec.issuer", "exactly one of selfSigned, ca or issuerRef may be set, not several") }
        if let ca = issuer.ca {
            switch (ca.certificateRef, ca.secretRef) {
            case (nil, nil): v.add("spec.issuer.ca", "exactly one of certificateRef or secretRef is required")
            case (.some, .some): v.add("spec.issuer.ca", "exactly one of certificateRef or secretRef may be set, not both")
            case (.some(let name), nil):
                v.check("spec.issuer.ca.certificateRef", NameRules.dns1123SubdomainProblem(name))
            case (nil, .some(let name)):
                v.check("spec.issuer.ca.secretRef", NameRules.dns1123SubdomainProblem(name))
            }
        }
        if let ref = issuer.issuerRef {
            v.check("spec.issuer.issuerRef.kind", ref.kind.problem)
            if ref.name.isEmpty { v.add("spec.issuer.issuerRef.name", "required") }
            else { v.check("spec.issuer.issuerRef.name", NameRules.dns1123SubdomainProblem(ref.name)) }
        }
    }

    private func validate(_ template: Certificate.SecretTemplate, _ v: inout ViolationCollector) {
        for (key, value) in template.labels.sorted(by: { $0.key < $1.key }) {
            let field = "spec.secretTemplate.labels[\(key)]"
            if let problem = NameRules.qualifiedNameProblem(key) { v.add(field, problem) }
            else if Self.isReserved(key) { v.add(field, "keys under keyward.dev/ are set by Keyward") }
            else { v.check(field, NameRules.labelValueProblem(value)) }
        }
        for key in template.annotations.keys.sorted() {
            let field = "spec.secretTemplate.annotations[\(key)]"
            if let problem = NameRules.qualifiedNameProblem(key) { v.add(field, problem) }
            else if Self.isReserved(key) { v.add(field, "keys under keyward.dev/ are set by Keyward") }
        }
    }

    private static func isReserved(_ key: String) -> Bool {
        key.hasPrefix(KeywardAPIGroup.name + "/") || key.contains("." + KeywardAPIGroup.name + "/")
    }

    /// Files on a shared volume that group or others may write could be swapped under their readers.
    private static func writableModeProblem(_ mode: FileMode) -> String {
        "\"\(mode)\" lets group or other users write the file; only the operator may write it (e.g. \"0644\")"
    }

    private func validate(_ files: Certificate.Files, _ v: inout ViolationCollector) {
        if let subPath = files.subPath { v.check("spec.files.subPath", NameRules.relativePathProblem(subPath)) }
        var seen: [String: String] = [:]
        for (field, name) in files.names.all {
            if let problem = NameRules.fileNameProblem(name) { v.add("spec.files.names.\(field)", problem); continue }
            if let other = seen[name] { v.add("spec.files.names.\(field)", "\"\(name)\" is already used by names.\(other)") }
            seen[name] = field
        }
        if let problem = files.privateKeyMode.problem() { v.add("spec.files.privateKeyMode", problem) }
        else if let bits = files.privateKeyMode.permissions, bits & 0o007 != 0 {
            v.add("spec.files.privateKeyMode", "\"\(files.privateKeyMode)\" lets every user read the private key; "
                  + "grant access through group instead (e.g. \"0640\")")
        }
        if let bits = files.privateKeyMode.permissions, bits & 0o022 != 0, bits & 0o007 == 0 {
            v.add("spec.files.privateKeyMode", Self.writableModeProblem(files.privateKeyMode))
        }
        if let problem = files.mode.problem() { v.add("spec.files.mode", problem) }
        else if let bits = files.mode.permissions, bits & 0o022 != 0 {
            v.add("spec.files.mode", Self.writableModeProblem(files.mode))
        }
        if let group = files.group, group < 0 || group > 4_294_967_294 {
            v.add("spec.files.group", "must be a group id between 0 and 4294967294")
        }
    }
}
