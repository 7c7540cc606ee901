import Foundation
import KeywardCore

/// A kubeconfig, possibly merged from several files the way kubectl merges `$KUBECONFIG`: the first file that
/// defines a named cluster, user or context wins, and the first `current-context` wins.
public struct Kubeconfig: Sendable {
    struct Named: Sendable {
        var name: String
        var body: JSONObject
        /// The file it came from: relative paths resolve against its directory, and errors name it.
        var file: String
    }

    var clusters: [String: Named] = [:]
    var users: [String: Named] = [:]
    var contexts: [String: Named] = [:]
    var currentContext: (name: String, file: String)?
    var files: [String] = []

    /// Reads and merges `paths`; a missing file in a multi-file list is skipped (as kubectl does) unless it is the
    /// only one.
    public static func load(paths: [String]) throws(ConfigurationError) -> Kubeconfig {
        var config = Kubeconfig()
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else {
                if paths.count == 1 { throw .unreadableFile(path: path, reason: "no such file") }
                continue
            }
            // Refused before reading: a kubeconfig path pointing at a huge file (or a device) must not be slurped.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= YAMLValue.maximumBytes else {
                throw .invalidYAML(path: path, reason: "the file is \(size) bytes; the limit is \(YAMLValue.maximumBytes)")
            }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .unreadableFile(path: path, reason: error.localizedDescription)
            }
            try config.merge(text: text, file: path)
        }
        guard !config.files.isEmpty else { throw .noConfiguration(searched: paths) }
        return config
    }

    /// Parses one kubeconfig document held in memory (`file` names it in errors).
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Kubeconfig {
        var config = Kubeconfig()
        try config.merge(text: text, file: file)
        return config
    }

    mutating func merge(text: String, file: String) throws(ConfigurationError) {
        let document: JSONValue
        do { document = try YAMLValue.document(text) } catch { throw .invalidYAML(path: file, reason: error.reason) }
        files.append(file)
        if document == .null { return }
        guard let root = document.objectValue else {
            throw .invalidField(path: file, field: "(root)", reason: "expected a mapping, found \(document.typeName)")
        }
        for (section, key) in [("clusters", "cluster"), ("users", "user"), ("contexts", "context")] {
            guard let value = root[section], value != .null else { continue }
            guard let list = value.arrayValue else {
                throw .invalidField(path: file, field: section, reason: "expected a list, found \(value.typeName)")
            }
            for (index, entry) in list.enumerated() {
                guard let entryObject = entry.objectValue else {
                    throw .invalidField(path: file, field: "\(section)[\(index)]", reason: "expected a mapping, found \(entry.typeName)")
                }
                guard let name = try Self.string(entryObject, "name", file: file, field: "\(section)[\(index)]"),
                    !name.isEmpty
                else {
                    throw .missingField(path: file, field: "\(section)[\(index)].name")
                }
                let body = entryObject[key]
                guard let bodyObject = body?.objectValue ?? (body == nil || body == .null ? [:] : nil) else {
                    throw .invalidField(path: file, field: "\(section)[\(index)].\(key)",
                                        reason: "expected a mapping, found \(body?.typeName ?? "nothing")")
                }
                let named = Named(name: name, body: bodyObject, file: file)
                switch section {
                case "clusters": if clusters[name] == nil { clusters[name] = named }
                case "users": if users[name] == nil { users[name] = named }
                default: if contexts[name] == nil { contexts[name] = named }
                }
            }
        }
        if currentContext == nil, let current = try Self.string(root, "current-context", file: file, field: nil),
            !current.isEmpty
        {
            currentContext = (current, file)
        }
    }

    /// Resolves `context` (or the current context) into a client configuration.
    public func configuration(context requested: String? = nil) throws(ConfigurationError) -> ClientConfiguration {
        let primary = files.first ?? "kubeconfig"
        let contextName: String
        if let requested { contextName = requested } else if let current = currentContext { contextName = current.name } else {
            throw .missingField(path: primary, field: "current-context")
        }
        guard let context = contexts[contextName] else {
            throw .contextNotFound(path: currentContext?.file ?? primary, context: contextName)
        }
        let contextField = "contexts[\(contextName)].context"
        guard let clusterName = try Self.string(context, "cluster", field: contextField), !clusterName.isEmpty else {
            throw .missingField(path: context.file, field: "\(contextField).cluster")
        }
        guard let cluster = clusters[clusterName] else {
            throw .invalidField(path: context.file, field: "\(contextField).cluster",
                                reason: "cluster '\(clusterName)' is not defined in clusters")
        }
        let userName = try Self.string(context, "user", field: contextField)
        var user: Named?
        if let userName, !userName.isEmpty {
            guard let found = users[userName] else {
                throw .invalidField(path: context.file, field: "\(contextField).user",
                                    reason: "user '\(userName)' is not defined in users")
            }
            user = found
        }

        // Cluster: server and trust.
        let clusterField = "clusters[\(clusterName)].cluster"
        guard let serverText = try Self.string(cluster, "server", field: clusterField), !serverText.isEmpty else {
            throw .missingField(path: cluster.file, field: "\(clusterField).server")
        }
        guard let server = URL(string: serverText), let scheme = server.scheme, server.host?.isEmpty == false,
            scheme == "https" || scheme == "http"
        else {
            throw .invalidField(path: cluster.file, field: "\(clusterField).server",
                                reason: "'\(serverText)' is not an http(s) URL")
        }
        var tls = TLSSettings()
        tls.insecureSkipVerify = try bool(cluster, "insecure-skip-tls-verify", field: clusterField) ?? false
        tls.caPEM = try pem(cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority",
                            field: clusterField, kind: .certificate)

        // User: token, token file or client certificate.
        var credentials = Credentials.none
        if let user {
            let userField = "users[\(user.name)].user"
            if let token = try Self.string(user, "token", field: userField), !token.isEmpty {
                credentials = .token(token)
            } else if let tokenFile = try Self.string(user, "tokenFile", field: userField), !tokenFile.isEmpty {
                let path = resolve(tokenFile, relativeTo: user.file)
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw .invalidField(path: user.file, field: "\(userField).tokenFile", reason: "cannot read \(path)")
                }
                credentials = .tokenFile(path: path, refreshInterval: 60)
            }
            let cert = try pem(user, dataKey: "client-certificate-data", fileKey: "client-certificate",
                               field: userField, kind: .certificate)
            let key = try pem(user, dataKey: "client-key-data", fileKey: "client-key", field: userField,
                              kind: .privateKey)
            switch (cert, key) {
            case (let c?, let k?):
                tls.clientCertificatePEM = c
                tls.clientKeyPEM = k
            case (.some, nil): throw .missingField(path: user.file, field: "\(userField).client-key(-data)")
            case (nil, .some): throw .missingField(path: user.file, field: "\(userField).client-certificate(-data)")
            case (nil, nil): break
            }
            if user.body["exec"] != nil, case .none = credentials, tls.clientCertificatePEM == nil {
                throw .invalidField(path: user.file, field: "\(userField).exec",
                                    reason: "exec credential plugins are not supported; use token, tokenFile or a client certificate")
            }
        }
        let namespace = try Self.string(context, "namespace", field: contextField).flatMap { $0.isEmpty ? nil : $0 }
            ?? "default"
        return ClientConfiguration(server: server, tls: tls, credentials: credentials, namespace: namespace,
                                   source: "kubeconfig \(context.file) context \(contextName)")
    }

    private func bool(_ entry: Named, _ key: String, field: String) throws(ConfigurationError) -> Bool? {
        guard let value = entry.body[key], value != .null else { return nil }
        if let b = value.boolValue { return b }
        if let s = value.stringValue, let b = Bool(s) { return b }
        throw .invalidField(path: entry.file, field: "\(field).\(key)", reason: "expected true or false")
    }

    /// Reads a PEM from `<key>-data` (base64) or from a file path; checks its armour holds the expected block.
    private func pem(_ entry: Named, dataKey: String, fileKey: String, field: String, kind: PEMArmor.Kind)
        throws(ConfigurationError) -> Data?
    {
        if let encoded = try Self.string(entry, dataKey, field: field), !encoded.isEmpty {
            let cleaned = encoded.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: cleaned) else {
                throw .invalidField(path: entry.file, field: "\(field).\(dataKey)", reason: "not valid base64")
            }
            if let problem = PEMArmor.problem(in: data, kind: kind) {
                throw .invalidField(path: entry.file, field: "\(field).\(dataKey)", reason: "decoded data holds \(problem)")
            }
            return data
        }
        if let path = try Self.string(entry, fileKey, field: field), !path.isEmpty {
            let resolved = resolve(path, relativeTo: entry.file)
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: resolved)) } catch {
                throw .invalidField(path: entry.file, field: "\(field).\(fileKey)", reason: "cannot read \(resolved)")
            }
            if let problem = PEMArmor.problem(in: data, kind: kind) {
                throw .invalidField(path: entry.file, field: "\(field).\(fileKey)", reason: "\(resolved) holds \(problem)")
            }
            return data
        }
        return nil
    }

    private static func string(_ entry: Named, _ key: String, field: String) throws(ConfigurationError) -> String? {
        try string(entry.body, key, file: entry.file, field: field)
    }

    /// A string field; nil when absent or null. Any other type is an error naming the field (as kubectl's strict
    /// decoding does), rather than being read as "not set".
    private static func string(_ object: JSONObject, _ key: String, file: String, field: String?)
        throws(ConfigurationError) -> String?
    {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.stringValue else {
            throw .invalidField(path: file, field: field.map { "\($0).\(key)" } ?? key,
                                reason: "expected a string, found \(value.typeName)")
        }
        return text
    }

    private func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }
}
