import Foundation

/// Failures a test asks the server to produce: the API server misbehaviours clients must survive.
///
/// Rules apply to resource requests only (discovery, `/version` and `/openapi` always answer, as kubectl needs
/// them to get as far as the request under test).
public actor FaultInjector {
    private struct Rule {
        var remaining: Int
        var verbs: Set<Verb>?
        var resource: String?
        var error: APIStatusError

        func matches(_ verb: Verb, _ resource: String) -> Bool {
            (verbs?.contains(verb) ?? true) && (self.resource.map { Self.resource($0, matches: resource) } ?? true)
        }

        /// `secrets` matches `secrets` and `secrets/status`; `secrets/status` only the subresource.
        static func resource(_ pattern: String, matches resource: String) -> Bool {
            pattern == resource || (!pattern.contains("/") && resource.hasPrefix(pattern + "/"))
        }
    }

    private let store: ObjectStore
    private var rules: [Rule] = []
    private var rateGenerator = SplitMix64(seed: 0x6b65_7977_6172_64)

    /// Added before every resource request is handled (watches: before the stream starts).
    public private(set) var delay: Duration = .zero
    /// Fraction (0…1) of resource requests answered 500 InternalError or 504 Timeout, at random.
    public private(set) var failRate: Double = 0

    init(store: ObjectStore) { self.store = store }

    /// The next `count` matching requests fail with `code` and a Status worded as kube-apiserver words it.
    /// `verb`/`resource` nil match anything; `resource` is a plural (`configmaps`) or `plural/subresource`.
    /// `retryAfterSeconds` is sent as `Retry-After` (429 defaults to 1).
    public func failNext(_ count: Int = 1, verb: Verb? = nil, resource: String? = nil, code: Int,
                         retryAfterSeconds: Int? = nil) {
        rules.append(Rule(remaining: count, verbs: verb.map { [$0] }, resource: resource,
                          error: .injected(code: code, retryAfterSeconds: retryAfterSeconds)))
    }

    /// The next `count` matching writes fail with a genuine-looking 409 Conflict ("the object has been modified"),
    /// as if another writer got there first. `verb` nil matches update and patch.
    public func conflictNext(_ count: Int = 1, verb: Verb? = nil, resource: String? = nil) {
        let error = APIStatusError(code: 409, reason: "Conflict", message: "")
        rules.append(Rule(remaining: count, verbs: verb.map { [$0] } ?? [.update, .patch], resource: resource, error: error))
    }

    public func setDelay(_ delay: Duration) { self.delay = delay }

    /// `seed` makes the sequence of failures repeatable.
    public func setFailRate(_ rate: Double, seed: UInt64? = nil) {
        failRate = min(1, max(0, rate))
        if let seed { rateGenerator = SplitMix64(seed: seed) }
    }

    /// Drops every rule and turns delay and the failure rate off.
    public func reset() {
        rules.removeAll()
        delay = .zero
        failRate = 0
    }

    /// Closes every open watch stream; clients must resume from the last resourceVersion they saw.
    public func cutWatches() async { await store.cutWatches() }

    /// Forgets the watch history: every resourceVersion handed out so far is too old (watch → ERROR 410,
    /// `continue` → 410), which forces clients to relist.
    public func expireResourceVersions() async { await store.expireResourceVersions() }

    /// How many rules still wait to fire.
    public var pendingRuleCount: Int { rules.reduce(0) { $0 + $1.remaining } }

    /// The failure for this request, if any; consumes a matching rule.
    func failure(verb: Verb, resource: String, groupResource: GroupResource, name: String?) -> APIStatusError? {
        if let index = rules.firstIndex(where: { $0.matches(verb, resource) }) {
            var error = rules[index].error
            rules[index].remaining -= 1
            if rules[index].remaining <= 0 { rules.remove(at: index) }
            if error.code == 409 && error.message.isEmpty {
                error = .staleResourceVersion(groupResource, name ?? "")
            }
            return error
        }
        if failRate > 0, Double(rateGenerator.next() % 1_000_000) / 1_000_000 < failRate {
            if rateGenerator.next() % 2 == 0 { return .injected(code: 500, retryAfterSeconds: nil) }
            return .injected(code: 504, retryAfterSeconds: nil)
        }
        return nil
    }
}

/// A tiny deterministic generator so `failRate` runs are reproducible from a seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
