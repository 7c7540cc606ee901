extension IssuerSpec {
    /// Every reason this spec cannot be used, with `spec.`-rooted field paths. Pure.
    public func validate() -> [SpecViolation] {
        var v = ViolationCollector()
        switch [selfSigned != nil, ca != nil, acme != nil].filter({ $0 }).count {
        case 0: v.add("spec", "exactly one of selfSigned, ca or acme is required")
        case 1: break
        default: v.add("spec", "exactly one of selfSigned, ca or acme may be set, not several")
        }
        if let ca {
            if ca.secretName.isEmpty { v.add("spec.ca.secretName", "required") }
            else { v.check("spec.ca.secretName", NameRules.dns1123SubdomainProblem(ca.secretName)) }
        }
        acme?.validate(into: &v)
        return v.violations
    }
}
