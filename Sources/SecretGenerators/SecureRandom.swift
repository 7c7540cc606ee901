/// The one source of randomness for generated secrets.
///
/// `SystemRandomNumberGenerator` is the platform CSPRNG (`getrandom(2)` on Linux, `arc4random_buf` on Darwin).
/// There is deliberately no way to inject another generator: a seeded RNG here would be a silent vulnerability.
enum SecureRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: rng.next() as UInt64) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }

    /// A uniform index in `0..<bound` (Swift's bounded random is unbiased).
    static func index(below bound: Int) -> Int {
        var rng = SystemRandomNumberGenerator()
        return Int.random(in: 0..<bound, using: &rng)
    }

    static func shuffle<T>(_ array: inout [T]) {
        var rng = SystemRandomNumberGenerator()
        array.shuffle(using: &rng)
    }
}
