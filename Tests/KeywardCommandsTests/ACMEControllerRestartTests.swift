import Foundation
import KeywardAPI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// The real `keyward controller` process against keyward-apiserver and a real Pebble: SIGKILLed while its ACME order
/// is pending, the restarted controller finishes that same order (Pebble's log shows exactly one), with HTTP-01
/// served by the controller's own challenge listener through an Ingress that is gone afterwards.
@Suite("ACME controller restart", .serialized)
struct ACMEControllerRestartTests {
    static let namespace = "acme"

    @Test func aControllerKilledWhileTheOrderIsPendingIsFinishedByTheNextWithOneOrder() async throws {
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [Self.namespace])
        // The controller's challenge listener port, known before Pebble starts (Pebble validates HTTP-01 there).
        let listenerPort = try SilentListener().port
        let pebble: PebbleServer
        do {
            pebble = try await PebbleServer.start(.init(httpPort: listenerPort))
        } catch {
            await cluster.stop()
            throw error
        }
        var controllers: [ControllerProcess] = []
        defer { for controller in controllers where controller.isRunning { _ = Foundation.kill(controller.pid, SIGKILL) } }

        let acme = IssuerSpec.ACME(
            server: pebble.directoryURL.absoluteString, email: "ops@example.com",
            privateKeySecretRef: .init(name: "pebble-account"),
            caBundle: String(decoding: pebble.tlsCertificatePEM, as: UTF8.self),
            solvers: [.init(http01: .init(ingress: .init(ingressClassName: "keyward-test")))])
        try await cluster.create(IssuerResource(metadata: ObjectMeta(name: "pebble", namespace: Self.namespace), spec: IssuerSpec(acme: acme)))
        try await cluster.create(Certificate(
            metadata: ObjectMeta(name: "web", namespace: Self.namespace),
            spec: Certificate.Spec(secretName: "web-tls", issuer: .init(issuerRef: .init(kind: .issuer, name: "pebble")),
                                   dnsNames: ["web.acme.test", "www.acme.test"])))

        let kubeconfig = try cluster.kubeconfig(for: "keyward")
        let arguments = [
            "--acme-http01-address", "127.0.0.1:\(listenerPort)",
            // Every name resolves to 127.0.0.1 for Pebble only: the self-check is pointed at the listener the same way.
            "--acme-http01-self-check-port", "80", "--acme-http01-self-check-connect-to", ":80:127.0.0.1:\(listenerPort)",
            "--egress-allow-cidr", "127.0.0.0/8",
        ]
        controllers.append(try ControllerProcess(kubeconfig: kubeconfig, logPath: cluster.directory.path("controller-1.log"),
                                                 extraArguments: arguments))
        var sawIngress = false
        let orderPending = await within(90, every: .milliseconds(20)) {
            let certificate = try? await cluster.admin.get(Certificate.self, name: "web", namespace: Self.namespace)
            if let ingresses = try? await cluster.admin.list(Ingress.self, in: .namespace(Self.namespace)), !ingresses.items.isEmpty {
                sawIngress = true
            }
            return certificate?.status?.pendingRequest?.state["acme.order"] != nil
        }
        #expect(orderPending, "\(controllers[0].log.suffix(4000))")
        await controllers[0].kill()
        #expect(pebble.ordersCreated == 1)

        controllers.append(try ControllerProcess(kubeconfig: kubeconfig, logPath: cluster.directory.path("controller-2.log"),
                                                 extraArguments: arguments))
        let ready = await within(120, every: .milliseconds(100)) {
            if let ingresses = try? await cluster.admin.list(Ingress.self, in: .namespace(Self.namespace)), !ingresses.items.isEmpty {
                sawIngress = true
            }
            let certificate = try? await cluster.admin.get(Certificate.self, name: "web", namespace: Self.namespace)
            return certificate?.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true
        }
        #expect(ready, "\(controllers[1].log.suffix(4000))")
        #expect(pebble.ordersCreated == 1, "exactly one order for the request")
        #expect(sawIngress, "a challenge Ingress existed while the order was pending")
        #expect(await within(30) {
            (try? await cluster.admin.list(Ingress.self, in: .namespace(Self.namespace)).items.isEmpty) == true
        }, "the challenge Ingresses are gone afterwards")

        // The chain verifies against Pebble's root (from its management interface).
        let secret = try await cluster.admin.get(Secret.self, name: "web-tls", namespace: Self.namespace)
        let fullchain = try #require(secret.string("tls.crt"))
        let blocks = fullchain.components(separatedBy: "-----END CERTIFICATE-----").dropLast()
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) + "\n-----END CERTIFICATE-----\n" }
        let leaf = try cluster.directory.write("leaf.pem", blocks.first ?? "")
        let chain = try cluster.directory.write("chain.pem", blocks.dropFirst().joined())
        let root = try cluster.directory.write("pebble-root.pem", try await pebble.rootPEM())
        let verified = try await ExternalTool.run(ExternalTool.openssl, ["verify", "-CAfile", root, "-untrusted", chain, leaf])
        #expect(verified.status == 0, "\(verified)")

        for controller in controllers where controller.isRunning { _ = await controller.terminate() }
        await pebble.stop()
        await cluster.stop()
    }
}
