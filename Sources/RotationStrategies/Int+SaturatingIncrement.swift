extension Int {
    /// `self + 1`, staying at `Int.max` instead of trapping: revisions are read back from status, which whoever may
    /// write the status subresource can set to anything, and the controller must never crash on such input.
    public var saturatingIncrement: Int { self == .max ? self : self + 1 }
}
