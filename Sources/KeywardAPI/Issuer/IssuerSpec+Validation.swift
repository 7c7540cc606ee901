extension IssuerSpec {
    /// Every reason this spec cannot be used, with `spec.`-rooted field paths. Pure.
    public func validate() -> [SpecViolation] {
        var v = ViolationCollector()
        switch (selfSigned, ca) {
        case (nil, nil): v.add("spec", "exactly one of selfSigned or ca is required")
        case (.some, .some): v.add("spec", "exactly one of selfSigned or ca may be set, not both")
        case (nil, .some(let ca)):
            if ca.secretName.isEmpty { v.add("spec.ca.secretName", "required") }
            else { v.check("spec.ca.secretName", NameRules.dns1123SubdomainProblem(ca.secretName)) }
        case (.some, nil): break
        }
        return v.violations
    }
}
