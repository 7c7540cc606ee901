/// How a new value replaces the old one. Raw values are the spelling `spec.strategy.type` uses.
public enum StrategyKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// KEY is replaced in place; no previous value is kept.
    case immediate
    /// The candidate waits in `KEY.pending`; promotion keeps the old value in `KEY.previous` until the next one.
    case staged
    /// KEY = new and `KEY.previous` = old, both valid until every consumer has rolled out.
    case dualWrite
    /// `KEY.blue` and `KEY.green` with KEY mirroring the active side and an `active` marker naming it.
    case blueGreen

    /// Whether a committed value can be restored after promotion (manual rollback, migration-timeout rollback).
    /// Immediate keeps nothing to restore: that is what makes it immediate.
    public var keepsPreviousValue: Bool { self != .immediate }
}

/// The two sides of a blueGreen Secret. Raw values are what the `active` marker and `status.activeEnvironment` hold.
public enum Side: String, Sendable, Hashable, CaseIterable, Codable {
    case blue
    case green

    public var other: Side { self == .blue ? .green : .blue }
}
