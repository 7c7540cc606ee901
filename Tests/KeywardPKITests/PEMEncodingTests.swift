@testable import KeywardPKI
import SwiftASN1
import Testing

/// Keyward writes PEM blocks itself (one pass over bytes); they must be exactly what SwiftASN1 writes, which
/// every reader already accepts.
@Suite struct PEMEncodingTests {
    @Test func blocksAreByteForByteSwiftASN1sForEveryLengthAndLineBoundary() throws {
        var generator = SystemRandomNumberGenerator()
        // Every length up to 200 covers all padding cases and the 48-byte (one full line) boundaries; then sizes
        // of real keys and certificates.
        let lengths = Array(0...200) + [239, 240, 241, 480, 1_190, 1_218, 2_000]
        for length in lengths {
            let der = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            for type in ["CERTIFICATE", "EC PRIVATE KEY"] {
                let ours = PEMBundle.pemBlock(type: type, der: der)
                let theirs = PEMDocument(type: type, derBytes: der).pemString + "\n"
                #expect(ours == theirs, "length \(length)")
                if length > 0 {
                    #expect(try PEMDocument(pemString: ours).derBytes == der)
                }
            }
        }
    }
}
