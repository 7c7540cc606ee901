/// An optional value kept in a box of its own: a pointer while nil, instead of the value's whole inline size.
///
/// For big, rarely set fields of cached objects. A Certificate's `files` (153 bytes inline), `subject` (72) and
/// `status.pendingRequest` (80) took their full size in every one of 10,000 cached Certificates, nearly all nil.
@propertyWrapper
public struct OutOfLine<Wrapped: Sendable>: Sendable {
    private final class Box: Sendable {
        let value: Wrapped
        init(_ value: Wrapped) { self.value = value }
    }

    private var box: Box?

    public init(wrappedValue: Wrapped?) { box = wrappedValue.map(Box.init) }

    public var wrappedValue: Wrapped? {
        get { box?.value }
        set { box = newValue.map(Box.init) }
    }
}

extension OutOfLine: Equatable where Wrapped: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
}

extension OutOfLine: Hashable where Wrapped: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(wrappedValue) }
}
