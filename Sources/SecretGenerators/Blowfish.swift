/// Blowfish with the Eksblowfish ("expensive key schedule") extensions bcrypt needs. Internal: only bcrypt uses it.
///
/// The state is one flat array (P-array, then the four S-boxes) accessed through unsafe pointers, because bcrypt
/// runs ~2ⁿ·1042 block encryptions and debug builds would otherwise spend seconds in bounds checks.
struct Blowfish {
    private static let pCount = 18
    /// P[0..<18], S0[18..<274], S1, S2, S3.
    private var state: [UInt32]

    init() {
        state = Self.initialP + Self.initialS
    }

    /// The next 4 bytes of `data`, big-endian, cycling back to the start (bcrypt's `stream2word`).
    @inline(__always)
    private static func streamWord(_ data: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> UInt32 {
        var word: UInt32 = 0
        for _ in 0..<4 {
            if position >= data.count { position = 0 }
            word = (word << 8) | UInt32(data[position])
            position += 1
        }
        return word
    }

    @inline(__always)
    private static func encipher(_ left: inout UInt32, _ right: inout UInt32, _ p: UnsafeMutablePointer<UInt32>) {
        let s = p + pCount
        @inline(__always) func f(_ x: UInt32) -> UInt32 {
            ((s[Int(x >> 24)] &+ s[256 + Int((x >> 16) & 0xff)]) ^ s[512 + Int((x >> 8) & 0xff)])
                &+ s[768 + Int(x & 0xff)]
        }
        var l = left ^ p[0]
        var r = right
        var i = 1
        while i < 17 {
            r ^= f(l) ^ p[i]
            l ^= f(r) ^ p[i + 1]
            i += 2
        }
        left = r ^ p[17]
        right = l
    }

    /// XORs `key` into the P-array, then re-derives the whole state by encrypting a running block that, when
    /// `salt` is non-empty, is mixed with successive salt words (Eksblowfish's ExpandKey).
    mutating func expand(key: [UInt8], salt: [UInt8]) {
        key.withUnsafeBufferPointer { key in
            salt.withUnsafeBufferPointer { salt in
                state.withUnsafeMutableBufferPointer { buffer in
                    let p = buffer.baseAddress!
                    var position = 0
                    for i in 0..<Self.pCount { p[i] ^= Self.streamWord(key, &position) }
                    position = 0
                    var left: UInt32 = 0
                    var right: UInt32 = 0
                    var i = 0
                    while i < buffer.count {
                        if !salt.isEmpty {
                            left ^= Self.streamWord(salt, &position)
                            right ^= Self.streamWord(salt, &position)
                        }
                        Self.encipher(&left, &right, p)
                        p[i] = left
                        p[i + 1] = right
                        i += 2
                    }
                }
            }
        }
    }

    /// Encrypts consecutive 64-bit blocks of `words` in place (ECB), `times` times over.
    mutating func encrypt(_ words: inout [UInt32], times: Int) {
        state.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            for _ in 0..<times {
                var i = 0
                while i + 1 < words.count {
                    var left = words[i]
                    var right = words[i + 1]
                    Self.encipher(&left, &right, p)
                    words[i] = left
                    words[i + 1] = right
                    i += 2
                }
            }
        }
    }
}
