import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import Testing

/// The echo scan against the parser: whatever the scan reads, the parsed tree says the same.
@Suite struct WatchLineIdentityTests {
    /// What the parsed tree says (the decoder's own reading when the scan gives up).
    private static func parsed(_ line: String) -> WatchLineIdentity? {
        (try? JSONValue.parse(Array(line.utf8))).flatMap { WatchLineIdentity(parsed: $0) }
    }

    private static func event(_ type: String, _ object: some Encodable) throws -> String {
        let body = String(decoding: try KubeJSON.makeEncoder().encode(object), as: UTF8.self)
        return #"{"type":"\#(type)","object":\#(body)}"#
    }

    @Test func readsWhatTheParserReadsFromRealObjects() throws {
        var secret = Secret(metadata: ObjectMeta(name: "web-tls", namespace: "shop", labels: ["keyward.dev/owned": "true"],
                                                 annotations: ["note": #"a "quoted" {brace} [bracket] \ back"#]),
                            type: Secret.tlsType, data: ["tls.crt": Data(repeating: 0x41, count: 3_000), "ca.crt": Data([0, 1, 2])])
        secret.metadata.resourceVersion = "4711"
        secret.metadata.ownerReferences = [OwnerReference(apiVersion: "keyward.dev/v1alpha1", kind: "Certificate", name: "web", uid: "u-1")]
        var namespace = Namespace(name: "shop")
        namespace.metadata.resourceVersion = "12"
        let lines = [
            try Self.event("ADDED", secret), try Self.event("MODIFIED", secret), try Self.event("DELETED", secret),
            try Self.event("ADDED", namespace),
            // Members in another order, spaces, nesting and literals before the identity.
            #" { "object" : { "spec" : {"a":[1,2.5e3,true,null,{"b":"}"}]}, "metadata" : { "resourceVersion" : "9" , "name" : "x" } } , "type" : "MODIFIED" } "#,
        ]
        for line in lines {
            let scanned = try #require(WatchLineIdentity.scan(Data(line.utf8)), "\(line.prefix(120))")
            #expect(scanned == Self.parsed(line))
        }
        #expect(WatchLineIdentity.scan(Data(lines[0].utf8)) == WatchLineIdentity(type: "ADDED", namespace: "shop", name: "web-tls",
                                                                                     resourceVersion: "4711"))
        #expect(WatchLineIdentity.scan(Data(lines[3].utf8))?.namespace == nil)
    }

    @Test func givesUpOnWhatItIsNotSureOf() {
        let unsure = [
            #"{"type":"ADDED","object":{"metadata":{"name":"a\u0062","resourceVersion":"1"}}}"#,  // an escape in a value it reads
            #"{"type":"ADDED","object":{"metadata":{"name":"a","name":"b","resourceVersion":"1"}}}"#,  // a repeated key
            #"{"type":"ADDED","type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
            #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}},"object":{}}"#,
            #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":1}}}"#,  // not a string
            #"{"type":"ADDED","object":{"metadata":{"name":"a","namespace":null,"resourceVersion":"1"}}}"#,
            #"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,  // no version
            #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}} trailing"#,
            #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}"#,  // cut short
            #"{"type":"ADDED","object":{"metadata":{"name":"é","resourceVersion":"1"}}}"#,  // not ASCII
            #"{"type":"ADDED","object":[]}"#, "", "{", "[]", #""type""#,
        ]
        for line in unsure { #expect(WatchLineIdentity.scan(Data(line.utf8)) == nil, "\(line)") }
    }

    @Test func anEchoIsToldFromItsBytesAndEverythingElseStillDecodes() throws {
        let echoes = WatchEchoFilter()
        echoes.expect(namespace: "shop", name: "web-tls", resourceVersion: "7")
        echoes.expect(namespace: "shop", name: "escaped", resourceVersion: "3")
        var decoder = WatchLineDecoder<Secret>(echoes: echoes)
        let lines = [
            #"{"type":"MODIFIED","object":{"kind":"Secret","metadata":{"name":"web-tls","namespace":"shop","resourceVersion":"7"},"data":{"tls.crt":"QUJD"}}}"#,
            // The scan gives up on the escape; the parsed tree finds the echo instead.
            #"{"type":"MODIFIED","object":{"kind":"Secret","metadata":{"name":"escap\u0065d","namespace":"shop","resourceVersion":"3"}}}"#,
            #"{"type":"MODIFIED","object":{"kind":"Secret","metadata":{"name":"web-tls","namespace":"shop","resourceVersion":"8"},"data":{"tls.crt":"QUJD"}}}"#,
        ]
        decoder.append(Data((lines.joined(separator: "\n") + "\n").utf8))
        guard case .bookmark(let first) = try #require(try decoder.next()) else { Issue.record("not a bookmark"); return }
        #expect(first == "7")
        guard case .bookmark(let second) = try #require(try decoder.next()) else { Issue.record("not a bookmark"); return }
        #expect(second == "3")
        #expect(try decoder.next()?.object?.data["tls.crt"] == Data("ABC".utf8))
        #expect(echoes.count == 0)
    }
}
