import DNSUpdate

/// What a nameserver (tenant-chosen, so possibly hostile) can send back: arbitrary bytes decoded as a DNS message.
/// Decoding must end in a message or a ``DNSWireError``, never a trap or a loop; a decoded message must survive
/// being encoded and decoded again with the same sections, and a TSIG check over it must fail cleanly.
enum DNSMessageTarget {
    static let key = try! TSIGKey(name: "fuzz-key", algorithm: .hmacSHA256, base64Secret: "a2V5d2FyZC1mdXp6LWtleQ==")

    static func run(_ input: FuzzInput) {
        guard let message = try? DNSMessage(decoding: input.bytes) else { return }
        let reencoded = message.encoded()
        if let again = try? DNSMessage(decoding: reencoded) {
            precondition(again.questions == message.questions && again.answers == message.answers
                         && again.authorities == message.authorities, "a decoded message does not survive re-encoding")
        }
        let signer = TSIGSigner(key: key)
        do {
            try signer.verify(message, bytes: input.bytes, requestMAC: [UInt8](repeating: 0, count: 32), now: 1_800_000_000,
                              server: "fuzz")
            // Only a MAC made with the key can verify: the fuzzer does not have it.
            preconditionFailure("a fuzzed message passed TSIG verification")
        } catch {}
    }
}
