import Foundation

/// The directory resource (RFC 8555 §7.1.1): where every other request goes.
public struct ACMEDirectory: Sendable, Hashable, Decodable {
    public var newNonce: URL
    public var newAccount: URL
    public var newOrder: URL
    public var revokeCert: URL
    public var keyChange: URL?
    /// ACME Renewal Information (RFC 9773); absent on servers without ARI (Pebble 2.4).
    public var renewalInfo: URL?
    public var meta: Meta

    public struct Meta: Sendable, Hashable, Decodable {
        public var termsOfService: String?
        public var website: String?
        public var caaIdentities: [String]
        public var externalAccountRequired: Bool
        /// The Let's Encrypt profiles extension: profile name → description.
        public var profiles: [String: String]

        public init(termsOfService: String? = nil, website: String? = nil, caaIdentities: [String] = [],
                    externalAccountRequired: Bool = false, profiles: [String: String] = [:]) {
            self.termsOfService = termsOfService
            self.website = website
            self.caaIdentities = caaIdentities
            self.externalAccountRequired = externalAccountRequired
            self.profiles = profiles
        }

        enum CodingKeys: String, CodingKey { case termsOfService, website, caaIdentities, externalAccountRequired, profiles }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            termsOfService = try? c.decodeIfPresent(String.self, forKey: .termsOfService)
            website = try? c.decodeIfPresent(String.self, forKey: .website)
            caaIdentities = (try? c.decodeIfPresent([String].self, forKey: .caaIdentities)) ?? []
            externalAccountRequired = (try? c.decodeIfPresent(Bool.self, forKey: .externalAccountRequired)) ?? false
            profiles = (try? c.decodeIfPresent([String: String].self, forKey: .profiles)) ?? [:]
        }
    }

    enum CodingKeys: String, CodingKey { case newNonce, newAccount, newOrder, revokeCert, keyChange, renewalInfo, meta }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        newNonce = try c.decode(URL.self, forKey: .newNonce)
        newAccount = try c.decode(URL.self, forKey: .newAccount)
        newOrder = try c.decode(URL.self, forKey: .newOrder)
        revokeCert = try c.decode(URL.self, forKey: .revokeCert)
        keyChange = try? c.decodeIfPresent(URL.self, forKey: .keyChange)
        renewalInfo = try? c.decodeIfPresent(URL.self, forKey: .renewalInfo)
        meta = (try? c.decodeIfPresent(Meta.self, forKey: .meta)) ?? Meta()
    }
}
