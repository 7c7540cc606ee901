import Foundation
import KeywardTestSupport
import Testing

/// Standalone DNS-01: `keyward run --once` with an acme Issuer whose solver updates a real BIND over RFC 2136 (the
/// TSIG secret in a Secret manifest) gets a wildcard certificate from a real Pebble validating through that BIND; the
/// chain verifies against Pebble's root and the TXT records are gone afterwards (dig).
@Suite("Standalone ACME: run --once through dns01.rfc2136 and BIND")
struct StandaloneACMEDNS01Tests {
    @Test("run --once gets a wildcard certificate through DNS-01 and removes the TXT records")
    func wildcardThroughBind() async throws {
        let bind = try await BindServer(zone: "example.test", hosts: ["www"])
        let pebble = try await PebbleServer.start(PebbleServer.Options(dnsServer: bind.address))
        let directory = try TemporaryDirectory(prefix: "keyward-acme-dns01")
        let issuer = pebble.issuerManifest(solvers: [
            "- dns01:", "    rfc2136:", "      nameserver: \(bind.address)", "      tsigKeyName: \(bind.keyName)",
            "      tsigSecretSecretRef:", "        name: example-test-tsig",
        ])
        let secret = Data(bind.keySecret.utf8).base64EncodedString()
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        _ = try directory.write("manifests/acme.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: example-test-tsig
              namespace: default
            data:
              secret: \(secret)
            ---
            \(issuer)
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata:
              name: wild
              namespace: default
            spec:
              secretName: wild-tls
              dnsNames: ["*.example.test", example.test]
              issuer:
                issuerRef: {kind: Issuer, name: pebble}
              files:
                subPath: wild

            """)

        let out = directory.path("out")
        let run = try ChildProcess(try keywardExecutable(), [
            "run", "--once", "--manifests", manifests, "--state", directory.path("state"), "--out", out,
            "--egress-allow-cidr", "127.0.0.0/8", "--pending-timeout", "120",
        ])
        let status = await run.exitStatus(within: 240)
        #expect(status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)\nnamed:\n\(bind.log.suffix(3000))")

        let leaf = "\(out)/wild/cert.pem", chain = "\(out)/wild/chain.pem"
        #expect(run.stdout.contains("Issued"), "\(run.stdout)")
        let root = try directory.write("pebble-root.pem", try await pebble.rootPEM())
        let verified = try await ExternalTool.openssl("verify", "-CAfile", root, "-untrusted", chain, leaf)
        #expect(verified.status == 0 && verified.stdout.contains(": OK"), "\(verified)")
        let names = try await ExternalTool.openssl("x509", "-in", leaf, "-noout", "-ext", "subjectAltName")
        #expect(names.stdout.contains("DNS:*.example.test") && names.stdout.contains("DNS:example.test"), "\(names)")
        // BIND applied the updates, and the records are gone again.
        #expect(bind.log.contains("adding an RR at '_acme-challenge.example.test' TXT"), "\(bind.log.suffix(3000))")
        #expect(try await bind.txtValues("_acme-challenge.example.test") == [])
        #expect(pebble.ordersCreated == 1, "one order for one request")
        await pebble.stop()
        await bind.stop()
    }
}
