import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources

/// A watch response body as the API server (or a broken proxy) might send it: the first byte picks the chunk size,
/// the rest is the body, decoded for three resource types; every decoded Keyward resource is validated as the
/// reconcilers would. Each line's echo scan (``WatchLineIdentity``) must read what the parsed line says, or give up.
enum WatchTarget {
    static func run(_ input: FuzzInput) {
        guard let first = input.bytes.first else { return }
        let chunkSize = Int(first % 64) + 1
        let body = input.bytes.dropFirst()
        for line in body.split(separator: 0x0A) { checkScan(line) }
        var certificates = WatchLineDecoder<Certificate>()
        var rotations = WatchLineDecoder<SecretRotation>()
        var secrets = WatchLineDecoder<Secret>()
        var offset = body.startIndex
        while offset < body.endIndex {
            let end = min(offset + chunkSize, body.endIndex)
            let chunk = Data(body[offset..<end])
            certificates.append(chunk)
            rotations.append(chunk)
            secrets.append(chunk)
            drain(&certificates) { _ = $0.object?.validate() }
            drain(&rotations) { _ = $0.object?.validate() }
            drain(&secrets) { _ = $0.object?.data.count }
            offset = end
        }
        if let event = try? certificates.finish() { _ = event.object?.validate() }
        if let event = try? rotations.finish() { _ = event.object?.validate() }
        _ = try? secrets.finish()
    }

    private static func checkScan(_ line: ArraySlice<UInt8>) {
        guard let scanned = WatchLineIdentity.scan(line), let value = try? JSONValue.parse(Array(line)) else { return }
        guard scanned == WatchLineIdentity(parsed: value) else {
            fatalError("the echo scan read a watch line differently from the parser")
        }
    }

    /// Every complete line; a line that fails to decode is consumed and skipped, as the informer would relist.
    private static func drain<Object>(_ decoder: inout WatchLineDecoder<Object>, _ use: (WatchEvent<Object>) -> Void) {
        while true {
            do {
                guard let event = try decoder.next() else { return }
                use(event)
            } catch {
                continue
            }
        }
    }
}
