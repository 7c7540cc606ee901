import KeywardAPI

/// Which `solvers[]` entry proves a name, by cert-manager's rules so its users' configurations mean the same:
/// 1. an entry whose `selector.dnsNames` lists the name exactly;
/// 2. else the entry whose `selector.dnsZones` has the longest zone the name is equal to or below;
/// 3. else the first entry without a selector (or with an empty one).
/// Among entries matching equally the first wins. A wildcard name (`*.example.com`) can only be proven with DNS-01,
/// so HTTP-01 entries are skipped for it; a name with no usable entry has none (the order is not placed).
public enum ACMESolverSelection {
    public static func solverIndex(for dnsName: String, in solvers: [IssuerSpec.ACME.Solver]) -> Int? {
        let name = normalized(dnsName)
        let wildcard = name.hasPrefix("*.")
        let usable = solvers.indices.filter { !wildcard || solvers[$0].dns01 != nil }
        if let exact = usable.first(where: { solvers[$0].selector?.dnsNames.contains { normalized($0) == name } == true }) {
            return exact
        }
        // A wildcard's zone match is on the name below the `*.`.
        let base = wildcard ? String(name.dropFirst(2)) : name
        var best: (index: Int, length: Int)?
        for index in usable {
            for zone in solvers[index].selector?.dnsZones ?? [] {
                let zone = normalized(zone)
                guard base == zone || base.hasSuffix("." + zone) else { continue }
                if best.map({ zone.count > $0.length }) ?? true { best = (index, zone.count) }
            }
        }
        if let best { return best.index }
        return usable.first { index in
            let selector = solvers[index].selector
            return selector == nil || (selector!.dnsNames.isEmpty && selector!.dnsZones.isEmpty)
        }
    }

    /// Lower-case, without a trailing dot: how names compare in DNS.
    static func normalized(_ name: String) -> String {
        (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
    }
}
