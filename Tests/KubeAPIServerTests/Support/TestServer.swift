import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// How a test request authenticates.
enum Credential: Sendable {
    case serverToken
    case token(String)
    case anonymous
    case clientCertificate(ClientCertificate)
}

/// A running ``APIServer`` plus a scratch directory holding its CA for curl.
final class TestServer: Sendable {
    let server: APIServer
    let directory: URL

    static func start(_ configure: (inout APIServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        var configuration = APIServerConfiguration()
        configure(&configuration)
        let server = try await APIServer.start(configuration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kas-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try server.caCertificatePEM.write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        return TestServer(server: server, directory: directory)
    }

    private init(server: APIServer, directory: URL) {
        self.server = server
        self.directory = directory
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    private func baseArguments(_ method: String, _ path: String, credential: Credential, accept: String?,
                               headers: [String]) throws -> [String] {
        var args = ["--http1.1", "-sS", "--globoff", "--cacert", directory.appendingPathComponent("ca.pem").path,
                    "-X", method, server.url.absoluteString + path]
        switch credential {
        case .serverToken: args += ["-H", "Authorization: Bearer \(server.token)"]
        case .token(let token): args += ["-H", "Authorization: Bearer \(token)"]
        case .anonymous: break
        case .clientCertificate(let certificate):
            let id = UUID().uuidString
            let cert = directory.appendingPathComponent("client-\(id).crt")
            let key = directory.appendingPathComponent("client-\(id).key")
            try certificate.certificatePEM.write(to: cert, atomically: true, encoding: .utf8)
            try certificate.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
            args += ["--cert", cert.path, "--key", key.path]
        }
        if let accept { args += ["-H", "Accept: \(accept)"] }
        for header in headers { args += ["-H", header] }
        return args
    }

    /// One request; `body` is sent as JSON unless `contentType` says otherwise.
    func request(_ method: String, _ path: String, body: JSONValue? = nil, rawBody: String? = nil,
                 contentType: String = "application/json", accept: String? = nil, credential: Credential = .serverToken,
                 headers: [String] = []) async throws -> HTTPResult {
        var args = try baseArguments(method, path, credential: credential, accept: accept, headers: headers)
        let id = UUID().uuidString
        let headerDump = directory.appendingPathComponent("headers-\(id)")
        let bodyOut = directory.appendingPathComponent("body-\(id)")
        defer {
            try? FileManager.default.removeItem(at: headerDump)
            try? FileManager.default.removeItem(at: bodyOut)
        }
        if let payload = rawBody ?? body.map({ String(decoding: $0.serialized(), as: UTF8.self) }) {
            let file = directory.appendingPathComponent("request-\(id)")
            try payload.write(to: file, atomically: true, encoding: .utf8)
            args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@\(file.path)"]
        }
        args += ["-D", headerDump.path, "-o", bodyOut.path]
        let result = try await Curl.run(args, in: directory)
        guard result.exitCode == 0 else {
            throw Curl.Failed(exitCode: result.exitCode, stderr: String(decoding: result.stderr, as: UTF8.self))
        }
        let (status, headers) = HTTPResult.headers(from: (try? String(contentsOf: headerDump, encoding: .utf8)) ?? "")
        return HTTPResult(status: status, headers: headers, body: (try? Data(contentsOf: bodyOut)) ?? Data())
    }

    func get(_ path: String, accept: String? = nil) async throws -> HTTPResult { try await request("GET", path, accept: accept) }
    func post(_ path: String, _ body: JSONValue) async throws -> HTTPResult { try await request("POST", path, body: body) }
    func put(_ path: String, _ body: JSONValue) async throws -> HTTPResult { try await request("PUT", path, body: body) }
    func delete(_ path: String, _ body: JSONValue? = nil) async throws -> HTTPResult {
        try await request("DELETE", path, body: body)
    }
    func patch(_ path: String, _ body: JSONValue, type: String = "application/merge-patch+json") async throws -> HTTPResult {
        try await request("PATCH", path, body: body, contentType: type)
    }

    /// Starts a streaming GET (a watch); stop it when done.
    func stream(_ path: String, accept: String? = nil, credential: Credential = .serverToken) throws -> StreamingRequest {
        try StreamingRequest(arguments: try baseArguments("GET", path, credential: credential, accept: accept, headers: []),
                             directory: directory)
    }
}

/// Runs `body` against a fresh server and always stops it.
func withServer(_ configure: (inout APIServerConfiguration) -> Void = { _ in },
                _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(configure)
    do { try await body(server) } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// `a=b&c=d` with every value percent-encoded.
func query(_ pairs: KeyValuePairs<String, String>) -> String {
    let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    return pairs.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
        .joined(separator: "&")
}

/// The repository root, found from this file (Tests/KubeAPIServerTests/Support/TestServer.swift).
func repositoryRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

/// Sample objects.
enum Sample {
    static func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:],
                          data: [String: String] = [:]) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap",
         "metadata": ["name": .string(name), "namespace": .string(namespace),
                      "labels": .object(labels.mapValues(JSONValue.string))],
         "data": .object(data.mapValues(JSONValue.string))]
    }

    static func widget(_ name: String, size: Int64 = 3, extra: JSONObject = [:]) -> JSONValue {
        var spec: JSONObject = ["size": .int(size)]
        for (k, v) in extra { spec[k] = v }
        return ["apiVersion": "example.dev/v1", "kind": "Widget", "metadata": ["name": .string(name)], "spec": .object(spec)]
    }

    static func deployment(_ name: String, image: String = "nginx:1.27", replicas: Int64 = 2) -> JSONValue {
        ["apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": ["name": .string(name)],
         "spec": ["replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
                  "template": ["metadata": ["labels": ["app": .string(name)]],
                               "spec": ["containers": [["name": "main", "image": .string(image)]]]]]]
    }

    /// A namespaced CRD with a status subresource, validation, defaults, a CEL rule and printer columns.
    static let widgetCRD: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.dev"],
        "spec": [
            "group": "example.dev", "scope": "Namespaced",
            "names": ["kind": "Widget", "plural": "widgets", "singular": "widget", "shortNames": ["wd"],
                      "categories": ["toys"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true, "subresources": ["status": .object([:])],
                "additionalPrinterColumns": [
                    ["name": "Size", "type": "integer", "jsonPath": ".spec.size"],
                    ["name": "Phase", "type": "string", "jsonPath": ".status.phase"],
                    ["name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"],
                ],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": [
                            "type": "object", "required": ["size"],
                            "x-kubernetes-validations": [["rule": "self.size <= self.maxSize",
                                                          "message": "size must not exceed maxSize"]],
                            "properties": [
                                "size": ["type": "integer", "minimum": 1, "maximum": 10],
                                "maxSize": ["type": "integer", "default": 8],
                                "color": ["type": "string", "enum": ["red", "green", "blue"], "default": "red"],
                                "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                                "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            ],
                        ],
                        "status": [
                            "type": "object",
                            "properties": [
                                "phase": ["type": "string"],
                                "conditions": ["type": "array", "items": [
                                    "type": "object",
                                    "properties": ["type": ["type": "string"], "status": ["type": "string"]],
                                ]],
                            ],
                        ],
                    ],
                ]],
            ]],
        ],
    ]
}

/// Path helpers.
enum Paths {
    static func configMaps(_ namespace: String = "default", _ name: String? = nil) -> String {
        "/api/v1/namespaces/\(namespace)/configmaps" + (name.map { "/\($0)" } ?? "")
    }
    static func widgets(_ namespace: String = "default", _ name: String? = nil) -> String {
        "/apis/example.dev/v1/namespaces/\(namespace)/widgets" + (name.map { "/\($0)" } ?? "")
    }
}

/// Creates the Widget CRD over the API.
func installWidgetCRD(_ server: TestServer) async throws {
    let created = try await server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Sample.widgetCRD)
    #expect(created.status == 201, "\(created)")
}

extension JSONValue {
    /// Array element access for assertions (`json["items"]?[0]`).
    subscript(_ index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// Field paths of a 422's causes.
    var causeFields: Set<String> {
        Set(self["details"]?["causes"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
    }
}

extension JSONValue {
    /// Sets `self[a][b]...`, creating objects on the way; nil removes the key.
    mutating func assign(_ path: [String], _ value: JSONValue?) {
        guard let first = path.first, case .object(var object) = self else { return }
        if path.count == 1 {
            object[first] = value
        } else {
            var child = object[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.assign(Array(path.dropFirst()), value)
            object[first] = child
        }
        self = .object(object)
    }
}
