/// The distinguished-name attributes besides the common name, as cert-manager's `spec.subject` lists them.
public struct CertificateSubject: Sendable, Hashable, Codable {
    public var organizations: [String]
    public var organizationalUnits: [String]
    /// ISO 3166 two-letter codes.
    public var countries: [String]
    public var localities: [String]
    public var provinces: [String]

    public init(
        organizations: [String] = [],
        organizationalUnits: [String] = [],
        countries: [String] = [],
        localities: [String] = [],
        provinces: [String] = []
    ) {
        self.organizations = organizations
        self.organizationalUnits = organizationalUnits
        self.countries = countries
        self.localities = localities
        self.provinces = provinces
    }

    public var isEmpty: Bool {
        organizations.isEmpty && organizationalUnits.isEmpty && countries.isEmpty && localities.isEmpty
            && provinces.isEmpty
    }
}
