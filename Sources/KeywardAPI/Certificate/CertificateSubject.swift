extension Certificate {
    /// Subject distinguished name attributes beyond the common name (cert-manager's `spec.subject`).
    public struct Subject: Codable, Sendable, Hashable {
        public var organizations: [String]
        public var organizationalUnits: [String]
        /// ISO 3166 two-letter codes.
        public var countries: [String]
        public var localities: [String]
        public var provinces: [String]
        public var streetAddresses: [String]
        public var postalCodes: [String]
        public var serialNumber: String?

        public init(organizations: [String] = [], organizationalUnits: [String] = [], countries: [String] = [],
                    localities: [String] = [], provinces: [String] = [], streetAddresses: [String] = [],
                    postalCodes: [String] = [], serialNumber: String? = nil) {
            self.organizations = organizations
            self.organizationalUnits = organizationalUnits
            self.countries = countries
            self.localities = localities
            self.provinces = provinces
            self.streetAddresses = streetAddresses
            self.postalCodes = postalCodes
            self.serialNumber = serialNumber
        }

        public var isEmpty: Bool {
            organizations.isEmpty && organizationalUnits.isEmpty && countries.isEmpty && localities.isEmpty
                && provinces.isEmpty && streetAddresses.isEmpty && postalCodes.isEmpty && (serialNumber ?? "").isEmpty
        }

        enum CodingKeys: String, CodingKey {
            case organizations, organizationalUnits, countries, localities, provinces, streetAddresses, postalCodes
            case serialNumber
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            organizations = try c.decode(.organizations, or: [])
            organizationalUnits = try c.decode(.organizationalUnits, or: [])
            countries = try c.decode(.countries, or: [])
            localities = try c.decode(.localities, or: [])
            provinces = try c.decode(.provinces, or: [])
            streetAddresses = try c.decode(.streetAddresses, or: [])
            postalCodes = try c.decode(.postalCodes, or: [])
            serialNumber = try c.decodeIfPresent(.serialNumber)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeUnlessEmpty(organizations, forKey: .organizations)
            try c.encodeUnlessEmpty(organizationalUnits, forKey: .organizationalUnits)
            try c.encodeUnlessEmpty(countries, forKey: .countries)
            try c.encodeUnlessEmpty(localities, forKey: .localities)
            try c.encodeUnlessEmpty(provinces, forKey: .provinces)
            try c.encodeUnlessEmpty(streetAddresses, forKey: .streetAddresses)
            try c.encodeUnlessEmpty(postalCodes, forKey: .postalCodes)
            try c.encodeIfPresent(serialNumber, forKey: .serialNumber)
        }
    }
}
