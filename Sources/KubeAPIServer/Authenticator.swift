import Foundation
import Hummingbird
import NIOCore
import NIOSSL

/// Who sent a request: a bearer token from the configuration, or a TLS client certificate signed by the
/// configured client CA (user = CN, groups = O), as kube-apiserver's token-file and x509 authenticators do.
struct Authenticator: Sendable {
    struct Identity: Sendable, Equatable {
        var user: String
        var groups: [String]
    }

    let tokens: [String: String]
    let acceptsClientCertificates: Bool

    /// nil when the request carries no acceptable credential (→ 401). A present but wrong bearer token is not
    /// rescued by a client certificate, matching the real server's union authenticator on an invalid token.
    func authenticate(_ headers: HTTPFields, channel: any Channel) async -> Identity? {
        if let header = headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            guard let user = tokens[token] else { return nil }
            return Identity(user: user, groups: ["system:authenticated"])
        }
        guard acceptsClientCertificates,
              let certificate = try? await channel.connection.nioSSL_peerCertificate().get(),
              let identity = ServerIdentity.identity(of: certificate)
        else { return nil }
        return Identity(user: identity.user, groups: identity.groups + ["system:authenticated"])
    }
}
