import AtomicDirectory
import Foundation
import KeywardPKI
import SecretSync
import Testing

@Suite("SyncLayout")
struct SyncLayoutTests {
    @Test func certificateLayoutWritesTheSharedVolumeFileSet() throws {
        let (data, serial) = PKI.secretData(withCRL: true)
        let files = try SyncLayout.certificateFiles.fileSpecs(for: data, groupID: 101)
        let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0) })
        #expect(byName.keys.sorted() == ["ca.pem", "cert.pem", "chain.pem", "crl.pem", "fullchain.pem", "privkey.pem"])

        let leaf = try CertificateInfo(pemEncoded: String(decoding: byName["cert.pem"]!.contents, as: UTF8.self))
        #expect(leaf.serialHex == serial)
        let chain = try PEMBundle.certificates(from: String(decoding: byName["chain.pem"]!.contents, as: UTF8.self))
        #expect(chain == [PKI.intermediate.certificate])
        #expect(byName["fullchain.pem"]!.contents == data["tls.crt"])
        #expect(byName["privkey.pem"]!.contents == data["tls.key"])
        #expect(byName["ca.pem"]!.contents == data["ca.crt"])
        #expect(byName["crl.pem"]!.contents == data["ca.crl"])

        #expect(byName["privkey.pem"]!.mode == 0o640)
        #expect(byName["privkey.pem"]!.groupID == 101)
        for name in ["cert.pem", "chain.pem", "fullchain.pem", "ca.pem", "crl.pem"] {
            #expect(byName[name]!.mode == 0o644)
            #expect(byName[name]!.groupID == nil)
        }
    }

    @Test func optionalKeysMayBeAbsentButRequiredOnesMayNot() throws {
        var (data, _) = PKI.secretData()
        let names = try SyncLayout.certificateFiles.fileSpecs(for: data).map(\.name).sorted()
        #expect(names == ["ca.pem", "cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"])

        data["tls.key"] = nil
        #expect(throws: SecretSyncError.missingKeys(["tls.key"])) {
            try SyncLayout.certificateFiles.fileSpecs(for: data)
        }
    }

    @Test func automaticPicksCertificateFilesForTLSSecretsAndMirrorsOthers() throws {
        let (tls, _) = PKI.secretData()
        #expect(try SyncLayout.automatic.fileSpecs(for: tls) == SyncLayout.certificateFiles.fileSpecs(for: tls))

        let opaque: [String: Data] = ["password": Data("s3cret".utf8), "ca.crt": Data("pem".utf8)]
        let mirrored = try SyncLayout.automatic.fileSpecs(for: opaque, groupID: 7)
        #expect(mirrored == [
            FileSpec(name: "ca.crt", contents: Data("pem".utf8), mode: 0o644),
            FileSpec(name: "password", contents: Data("s3cret".utf8), mode: 0o640, groupID: 7),
        ])
    }

    @Test func mappingsRenameKeys() throws {
        let pairs = try ["tls.crt=server.crt", "tls.key=server.key"].map(SyncLayout.parseMapping)
        let (data, _) = PKI.secretData()
        let files = try SyncLayout.renaming(pairs).fileSpecs(for: data)
        #expect(files.map(\.name) == ["server.crt", "server.key"])
        #expect(files.map(\.mode) == [0o644, 0o640])
        #expect(files[0].contents == data["tls.crt"])

        #expect(throws: SecretSyncError.self) { try SyncLayout.parseMapping("tls.crt") }
        #expect(throws: SecretSyncError.self) { try SyncLayout.parseMapping("=cert.pem") }
    }

    @Test func descriptionsNeverShowValues() throws {
        let secret = SecretSnapshot(data: ["password": Data("hunter2-very-secret".utf8)], resourceVersion: "5")
        #expect(!secret.description.contains("hunter2"))
        #expect(secret.description.contains("password (19 bytes)"))
        let error = SecretSyncError.missingKeys(["tls.key"])
        #expect(error.description.contains("tls.key"))
    }

    @Test func signalNamesParse() {
        #expect(ReloadAction.signalNumber(named: "HUP") == SIGHUP)
        #expect(ReloadAction.signalNumber(named: "sigusr1") == SIGUSR1)
        #expect(ReloadAction.signalNumber(named: "15") == SIGTERM)
        #expect(ReloadAction.signalNumber(named: "BOGUS") == nil)
    }
}

@Suite("sync flags")
struct SyncFlagTests {
    @Test func reloadFlags() throws {
        #expect(try ReloadAction.fromFlags() == nil)
        #expect(try ReloadAction.fromFlags(signal: "HUP", pidFile: "/run/nginx.pid") == .signal(SIGHUP, pidFile: "/run/nginx.pid"))
        #expect(try ReloadAction.fromFlags(exec: "nginx -s reload") == .exec(command: "nginx -s reload"))
        #expect(try ReloadAction.fromFlags(http: "http://127.0.0.1:9090/-/reload")
                == .http(url: URL(string: "http://127.0.0.1:9090/-/reload")!))

        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(signal: "HUP") }
        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(signal: "NOPE", pidFile: "/p") }
        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(pidFile: "/p") }
        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(exec: "x", http: "http://a/") }
        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(http: "ftp://a/") }
        #expect(throws: SecretSyncError.self) { try ReloadAction.fromFlags(exec: "  ") }
    }

    @Test func layoutFlags() throws {
        #expect(try SyncLayout.fromFlags() == .automatic)
        #expect(try SyncLayout.fromFlags(layout: "certificate") == .certificateFiles)
        #expect(try SyncLayout.fromFlags(layout: "mirror") == .mirror)
        #expect(try SyncLayout.fromFlags(mappings: ["tls.crt=server.crt"])
                == .files([FileMapping(file: "server.crt", content: .value(key: "tls.crt"))]))

        #expect(throws: SecretSyncError.self) { try SyncLayout.fromFlags(layout: "nope") }
        #expect(throws: SecretSyncError.self) { try SyncLayout.fromFlags(layout: "mirror", mappings: ["a=b"]) }
        #expect(throws: SecretSyncError.self) { try SyncLayout.fromFlags(mappings: ["a=x", "b=x"]) }
        #expect(throws: SecretSyncError.self) { try SyncLayout.fromFlags(mappings: ["a=../escape"]) }
        #expect(throws: SecretSyncError.self) { try SyncLayout.fromFlags(mappings: ["a=..data"]) }
    }
}
