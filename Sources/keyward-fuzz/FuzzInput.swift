import Foundation

/// One fuzz input as the views the targets need. Copies once; inputs are small.
struct FuzzInput {
    let bytes: [UInt8]

    init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// Invalid UTF-8 becomes U+FFFD, as it would when Keyward decodes a Secret value or a file.
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var data: Data { Data(bytes) }
}
