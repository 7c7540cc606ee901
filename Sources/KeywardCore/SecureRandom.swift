/// The one source of randomness for secrets, keys and serial numbers.
///
/// `SystemRandomNumberGenerator` is the platform CSPRNG (`getrandom(2)` on Linux, `arc4random_buf` on Darwin).
/// There is deliberately no way to inject another generator: a seeded RNG here would be a silent vulnerability.
public enum SecureRandom {
    /// `count` random bytes, drawn eight at a time (a draw is a system call) straight into the result, so no
    /// intermediate copy of key material is left behind.
    public static func bytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var offset = 0
            while offset < count {
                withUnsafeBytes(of: rng.next() as UInt64) { word in
                    for byte in word.prefix(count - offset) {
                        buffer[offset] = byte
                        offset += 1
                    }
                }
            }
            initialized = count
        }
    }

    /// A uniform index in `0..<bound` (Swift's bounded random is unbiased).
    public static func index(below bound: Int) -> Int {
        var rng = SystemRandomNumberGenerator()
        return Int.random(in: 0..<bound, using: &rng)
    }

    public static func shuffle<T>(_ array: inout [T]) {
        var rng = SystemRandomNumberGenerator()
        array.shuffle(using: &rng)
    }
}
