import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// What the Issuer and ClusterIssuer controllers share with the Certificate controller when they register: who
/// hears of CA Secret changes, and the Certificates (cache and queue) an issuer's change brings back.
struct IssuerWiring {
    let caSecrets: CASecretListeners
    let certificates: Informer<Certificate>
    let certificateQueue: WorkQueue<ObjectKey>
    let options: CertificateControllerSetup.Options

    /// The Issuer or ClusterIssuer controller: its informer, a queue fed by it and by changes of Keyward-owned CA
    /// Secrets it names (a CA Certificate's Secret), and the Certificates it signs re-enqueued when it changes.
    func register<Resource: IssuerObject>(_ type: Resource.Type, with builder: inout ManagerBuilder,
                                          configuration: InformerConfiguration) async {
        let issuers = builder.informer(Resource.self, configuration: configuration)
        let name = Resource.kind.lowercased()
        let queue = builder.workQueue(name: Resource.plural)
        let certificates = self.certificates
        let certificateQueue = self.certificateQueue
        await issuers.addHandler { event in
            let key = ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name)
            await queue.add(key)
            if case .updated(let old, let new) = event, issuerSignature(old) != issuerSignature(new) {
                await enqueueCertificates(of: Resource.self, key: key, certificates: certificates, queue: certificateQueue)
            }
        }
        let clusterResourceNamespace = options.clusterResourceNamespace
        await caSecrets.add { namespace, name in
            guard Resource.isNamespaced || namespace == clusterResourceNamespace else { return }
            for issuer in await issuers.list(namespace: Resource.isNamespaced ? namespace : nil) where issuer.spec.ca?.secretName == name {
                await queue.add(ObjectKey(namespace: issuer.metadata.namespace, name: issuer.metadata.name))
            }
        }
        var reconcilerOptions = IssuerReconciler<Resource>.Options(clusterResourceNamespace: clusterResourceNamespace)
        reconcilerOptions.recheckInterval = options.issuerRecheckInterval
        reconcilerOptions.acme = options.acme
        let reconciler = IssuerReconciler<Resource>(store: builder.store, events: builder.events, clock: builder.clock,
                                                    options: reconcilerOptions)
        let fanOut = IssuerObjectFanOutReconciler(inner: reconciler, issuers: issuers, certificates: certificates,
                                                  queue: certificateQueue)
        builder.addController(name: name, queue: queue, reconciler: fanOut, concurrency: 1)
    }
}
