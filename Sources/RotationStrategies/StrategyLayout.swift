import Foundation

/// The Secret data layout of one strategy for a set of value keys, as pure functions from Secret data to Secret data.
///
/// Every function takes the whole `data` map and returns the whole new map, so each step is exactly one Secret
/// update: there is never a moment in which a promoted value is half written. Keys other than the value keys and
/// their layout keys are never touched (a Secret may hold other keys, or other rotations' keys).
public struct StrategyLayout: Sendable, Hashable {
    public typealias Names = SecretLayoutNames
    public typealias SecretData = [String: Data]

    public var strategy: StrategyKind
    /// The data keys holding committed values, e.g. `["password"]`, or `["db", "db.username", "db.password"]`.
    public var valueKeys: [String]

    public init(strategy: StrategyKind, valueKeys: [String]) {
        self.strategy = strategy
        self.valueKeys = valueKeys
    }

    // MARK: Reading

    /// The committed values (what KEY holds), or nil when any is missing.
    public func committed(in data: SecretData) -> SecretData? { values(in: data) { $0 } }

    /// blueGreen: the side the marker names; nil for other strategies or when the marker is absent/garbled.
    public func activeSide(in data: SecretData) -> Side? {
        guard strategy == .blueGreen, let raw = data[Names.activeMarkerKey] else { return nil }
        return Side(rawValue: String(decoding: raw, as: UTF8.self))
    }

    /// Where a candidate lives: `KEY.pending`, or (blueGreen) the inactive side.
    public func candidateSlot(_ key: String, in data: SecretData) -> String {
        strategy == .blueGreen ? Names.side(key, (activeSide(in: data) ?? .blue).other) : Names.pending(key)
    }

    /// The values in the candidate slot, keyed by plain value key, or nil when incomplete.
    public func candidate(in data: SecretData) -> SecretData? { values(in: data) { candidateSlot($0, in: data) } }

    /// The value a restoring rollback would bring back (`KEY.previous`, or the inactive side), or nil when there is
    /// none (immediate never keeps one).
    public func previous(in data: SecretData) -> SecretData? {
        switch strategy {
        case .immediate: nil
        case .staged, .dualWrite: values(in: data) { Names.previous($0) }
        case .blueGreen: activeSide(in: data) == nil ? nil : values(in: data) { candidateSlot($0, in: data) }
        }
    }

    /// Value keys whose committed value is missing (first run, or a key added to the spec).
    public func missingKeys(in data: SecretData) -> [String] { valueKeys.filter { data[$0] == nil } }

    /// Every data key this layout may write for its value keys, including the marker for blueGreen: what two
    /// rotations of one Secret must not share.
    public var ownedDataKeys: Set<String> {
        var keys = Set<String>()
        for key in valueKeys {
            keys.insert(key)
            switch strategy {
            case .immediate: keys.insert(Names.pending(key))
            case .staged, .dualWrite: keys.formUnion([Names.pending(key), Names.previous(key)])
            case .blueGreen: keys.formUnion([Names.side(key, .blue), Names.side(key, .green)])
            }
        }
        if strategy == .blueGreen { keys.insert(Names.activeMarkerKey) }
        return keys
    }

    // MARK: Writing

    /// Writes first values for the keys that have none (no rotation needed: nothing depends on a missing value).
    /// blueGreen also writes the active side and, when absent, the marker (`blue`).
    public func provisioning(_ fresh: SecretData, into data: SecretData) -> SecretData {
        var out = data
        let side = activeSide(in: data) ?? .blue
        for (key, value) in fresh where out[key] == nil {
            out[key] = value
            if strategy == .blueGreen { out[Names.side(key, side)] = value }
        }
        if strategy == .blueGreen { out = normalized(out) }
        return out
    }

    /// Brings an idle Secret into this layout: drops leftovers no idle layout has (`KEY.pending`; `KEY.previous`
    /// for immediate and dualWrite; the sides for non-blueGreen), and for blueGreen adds the marker and the active
    /// side when they are missing (a rotation switched to blueGreen) or repairs KEY to mirror the active side.
    public func normalized(_ data: SecretData) -> SecretData {
        var out = data
        for key in valueKeys {
            out[Names.pending(key)] = nil
            if strategy != .blueGreen {
                out[Names.side(key, .blue)] = nil
                out[Names.side(key, .green)] = nil
            }
            if strategy == .immediate || strategy == .dualWrite || strategy == .blueGreen {
                out[Names.previous(key)] = nil
            }
        }
        if strategy == .blueGreen {
            // A missing or garbled marker is repaired to the side KEY already mirrors, so the live value does not
            // silently change; only when neither side matches (a switch to blueGreen) does blue take KEY's value.
            let mirrored = Side.allCases.first { side in
                valueKeys.allSatisfy { out[Names.side($0, side)] != nil && out[Names.side($0, side)] == out[$0] }
            }
            let side = activeSide(in: out) ?? mirrored ?? .blue
            if activeSide(in: out) == nil { out[Names.activeMarkerKey] = Data(side.rawValue.utf8) }
            for key in valueKeys {
                if let live = out[Names.side(key, side)] { out[key] = live } else { out[Names.side(key, side)] = out[key] }
            }
        }
        return out
    }

    /// Writes the candidate into its slot; the committed values are untouched.
    public func writingCandidate(_ candidate: SecretData, into data: SecretData) -> SecretData {
        var out = data
        for key in valueKeys { out[candidateSlot(key, in: data)] = candidate[key] }
        return out
    }

    /// Makes the candidate live in one update:
    /// - immediate: KEY = new; `KEY.pending` dropped;
    /// - staged, dualWrite: KEY = new, `KEY.previous` = old; `KEY.pending` dropped;
    /// - blueGreen: the marker flips to the candidate's side and KEY copies it; the old side stays for rollback.
    /// Returns nil when the candidate slot is incomplete.
    public func promoting(_ data: SecretData) -> SecretData? {
        guard let candidate = candidate(in: data) else { return nil }
        var out = data
        switch strategy {
        case .immediate:
            for key in valueKeys { out[key] = candidate[key]; out[Names.pending(key)] = nil }
        case .staged, .dualWrite:
            for key in valueKeys {
                out[Names.previous(key)] = data[key]
                out[key] = candidate[key]
                out[Names.pending(key)] = nil
            }
        case .blueGreen:
            let target = (activeSide(in: data) ?? .blue).other
            out[Names.activeMarkerKey] = Data(target.rawValue.utf8)
            for key in valueKeys { out[key] = candidate[key] }
        }
        return out
    }

    /// The end of a rotation: dualWrite stops accepting the old value (`KEY.previous` dropped); staged keeps it
    /// until the next promotion; nothing else changes.
    public func finalizing(_ data: SecretData) -> SecretData {
        var out = data
        for key in valueKeys {
            out[Names.pending(key)] = nil
            if strategy == .dualWrite { out[Names.previous(key)] = nil }
        }
        return out
    }

    /// Drops an unpromoted candidate. `KEY.pending` always goes; a blueGreen side goes only when it holds exactly
    /// the candidate `candidateHash` names (otherwise it is the previous committed value, kept for rollback).
    public func discardingCandidate(_ data: SecretData, candidateHash: String?, hasher: ValuesHasher = .unkeyed) -> SecretData {
        var out = data
        if strategy == .blueGreen {
            guard let candidateHash, let held = candidate(in: data), hasher.matches(held, candidateHash),
                activeSide(in: data) != nil
            else { return out }
            for key in valueKeys { out[candidateSlot(key, in: data)] = nil }
        } else {
            for key in valueKeys { out[Names.pending(key)] = nil }
        }
        return out
    }

    /// Restores the previous committed value in one update (staged/dualWrite: KEY = `KEY.previous`, which is then
    /// dropped so a bad value never becomes "previous"; blueGreen: flips back, keeping the rolled-back side).
    /// nil when there is nothing to restore.
    public func restoringPrevious(_ data: SecretData) -> SecretData? {
        guard let previous = previous(in: data) else { return nil }
        var out = data
        switch strategy {
        case .immediate: return nil
        case .staged, .dualWrite:
            for key in valueKeys {
                out[key] = previous[key]
                out[Names.previous(key)] = nil
                out[Names.pending(key)] = nil
            }
        case .blueGreen:
            let target = (activeSide(in: data) ?? .blue).other
            out[Names.activeMarkerKey] = Data(target.rawValue.utf8)
            for key in valueKeys { out[key] = previous[key] }
        }
        return out
    }

    private func values(in data: SecretData, at slot: (String) -> String) -> SecretData? {
        var out = SecretData()
        for key in valueKeys {
            guard let value = data[slot(key)] else { return nil }
            out[key] = value
        }
        return out
    }
}
