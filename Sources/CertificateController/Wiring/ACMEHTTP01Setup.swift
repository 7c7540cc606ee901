import ControllerRuntime
import KeywardAPI

/// The ACME HTTP-01 challenge listener of every replica, leader or not (`--acme-http01-address`): a service of its
/// own next to the manager, answering from an index the Certificate informer keeps (never an API read).
enum ACMEHTTP01Setup {
    static func register(with builder: inout ManagerBuilder, certificates: Informer<Certificate>,
                         address: MetricsAddress) async {
        let index = HTTP01ChallengeIndex()
        await certificates.addHandler { await index.observe($0) }
        builder.addService(ACMEChallengeServer(address: address, lookup: index), name: "ACME HTTP-01 listener")
    }
}
