#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import Testing
@testable import AtomicDirectory

/// A certificate/key pair that shares a generation number, standing in for "the key matches the certificate".
private func generation(_ gen: Int) -> [FileSpec] {
    [
        FileSpec(name: "cert.pem", contents: payload("CERT", gen), mode: 0o644),
        FileSpec(name: "privkey.pem", contents: payload("KEY", gen), mode: 0o640),
    ]
}

/// A few kilobytes so a torn (partially written) file would be noticed, not just a wrong header.
private func payload(_ kind: String, _ gen: Int) -> Data {
    Data(("\(kind) gen-\(gen)\n" + String(repeating: "\(kind)-\(gen);", count: 300)).utf8)
}

/// The generation a file claims, or `nil` if the file is not exactly a well-formed payload of that generation.
private func parse(_ kind: String, _ data: Data) -> Int? {
    let text = String(decoding: data, as: UTF8.self)
    guard let header = text.split(separator: "\n").first, header.hasPrefix("\(kind) gen-"),
        let gen = Int(header.dropFirst("\(kind) gen-".count)), payload(kind, gen) == data
    else { return nil }
    return gen
}

private func readWhole(_ fd: Int32) -> Data? {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 { return nil }
        if n == 0 { return data }
        data.append(contentsOf: buffer[0..<n])
    }
}

/// Reads `name` relative to `dirfd` (AT_FDCWD for a path), or `nil` when it vanished (an old version removed).
private func readFile(_ name: String, relativeTo dirfd: Int32 = AT_FDCWD) -> Data? {
    let fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readWhole(fd)
}

private func dataLink(_ dir: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data")
}

/// What the reader thread saw. Generation numbers are not secret, so they may appear in failures.
private final class ReaderLog: Sendable {
    let stop = Atomic<Bool>(false)
    let exited = Atomic<Bool>(false)
    let iterations = Atomic<Int>(0)
    let consistentPairs = Atomic<Int>(0)
    let straddledPairs = Atomic<Int>(0)
    let vanished = Atomic<Int>(0)
    let problems = Mutex<[String]>([])
    let generationsSeen = Mutex<Set<Int>>([])

    func problem(_ text: String) { problems.withLock { if $0.count < 20 { $0.append(text) } } }
    func check(_ how: String, cert: Data, key: Data) -> Int? {
        guard let certGen = parse("CERT", cert), let keyGen = parse("KEY", key) else {
            problem("\(how): a file was not a complete payload")
            return nil
        }
        if certGen != keyGen { problem("\(how): cert gen-\(certGen) with key gen-\(keyGen)") }
        generationsSeen.withLock { _ = $0.insert(certGen) }
        return certGen
    }
}

@Suite struct ConcurrentReaderTests {
    /// The kubelet-style swap's whole point: a consumer never pairs a new certificate with an old key.
    @Test func readerNeverSeesAMismatchedPairDuring500Rotations() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let target = dir.target
        let writer = AtomicDirectoryWriter(directory: target)
        _ = try writer.write(generation(0))
        let log = ReaderLog()

        let reader = Thread {
            defer { log.exited.store(true, ordering: .releasing) }
            while !log.stop.load(ordering: .acquiring) {
                // 1. Visible names, as an unaware consumer opens them. If ..data did not move between the two
                //    opens, both resolved through the same version, so the pair must match.
                let before = dataLink(target)
                let cert = readFile(target + "/cert.pem")
                let key = readFile(target + "/privkey.pem")
                let after = dataLink(target)
                if let cert, let key {
                    if before != nil && before == after {
                        if log.check("visible names", cert: cert, key: key) != nil {
                            log.consistentPairs.add(1, ordering: .relaxed)
                        }
                    } else {
                        // Straddled a swap: each file must still be whole, but they may differ.
                        if parse("CERT", cert) == nil || parse("KEY", key) == nil { log.problem("torn file") }
                        log.straddledPairs.add(1, ordering: .relaxed)
                    }
                } else {
                    log.vanished.add(1, ordering: .relaxed)
                }

                // 2. Resolve ..data once and open both files beneath it: always one version.
                let versionFD = open(target + "/..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if versionFD >= 0 {
                    if let cert = readFile("cert.pem", relativeTo: versionFD),
                        let key = readFile("privkey.pem", relativeTo: versionFD)
                    {
                        _ = log.check("one ..data descriptor", cert: cert, key: key)
                    } else {
                        log.vanished.add(1, ordering: .relaxed)
                    }
                    close(versionFD)
                }

                // 3. The writer's own consistent read.
                do {
                    let files = try writer.read()
                    if files.count == 2 {
                        _ = log.check("read()", cert: files[0].contents, key: files[1].contents)
                    } else {
                        log.problem("read() returned \(files.count) files")
                    }
                } catch {
                    log.problem("read() failed: \(error)")
                }
                log.iterations.add(1, ordering: .releasing)
            }
        }

        /// Bounded wait until the reader has started and finished at least one more full iteration.
        func awaitReaderProgress() -> Bool {
            let target = log.iterations.load(ordering: .acquiring) + 2
            let deadline = Date().addingTimeInterval(30)
            while log.iterations.load(ordering: .acquiring) < target {
                if Date() > deadline || log.exited.load(ordering: .acquiring) { return false }
                sched_yield()
            }
            return true
        }

        reader.start()
        #expect(awaitReaderProgress(), "reader thread made no progress")
        var updates = 0
        for gen in 1...500 {
            if case .updated = try writer.write(generation(gen)) { updates += 1 }
            // Keep the reader interleaved with the rotations even if the scheduler favours the writer.
            if gen % 25 == 0 { #expect(awaitReaderProgress(), "reader thread stalled at rotation \(gen)") }
        }
        log.stop.store(true, ordering: .releasing)
        let deadline = Date().addingTimeInterval(30)
        while !log.exited.load(ordering: .acquiring) && Date() < deadline { sched_yield() }

        let readerStopped = log.exited.load(ordering: .acquiring)
        #expect(readerStopped, "reader thread did not stop")
        #expect(updates == 500)
        let problems = log.problems.withLock { $0 }
        let consistentPairs = log.consistentPairs.load(ordering: .relaxed)
        let generationsSeen = log.generationsSeen.withLock { $0.count }
        #expect(problems == [])
        #expect(consistentPairs > 0)
        // Each handshake (every 25 rotations) pins one full reader iteration to a single generation.
        #expect(generationsSeen >= 20)
        #expect(try writer.read().map(\.contents) == generation(500).map(\.contents))
        #expect(try dir.hiddenEntries().count == 2)
    }
}
