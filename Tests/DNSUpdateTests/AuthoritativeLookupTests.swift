#if canImport(Glibc)
import Glibc
#endif
import DNSUpdate
import Foundation
import KeywardCore
import Testing

/// The zone walk and the nameserver list are driven by what an Issuer's tenant names and what their nameserver
/// answers: neither may turn into hours of timeouts or thousands of lookups.
@Suite struct AuthoritativeLookupTests {
    /// A UDP socket on 127.0.0.1 that receives and never answers; counts what arrived.
    final class SilentUDP {
        let descriptor: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard fd >= 0, bound == 0, named == 0 else {
                if fd >= 0 { close(fd) }
                throw DNSUpdateError.invalidServerAddress("silent socket")
            }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Datagrams received so far (drained).
        func received() -> Int {
            var count = 0
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT)) >= 0 { count += 1 }
            return count
        }

        deinit { close(descriptor) }
    }

    @Test("a nameserver that never answers ends the zone walk at the first name, not after one timeout per label")
    func silentServerEndsTheWalk() async throws {
        let silent = try SilentUDP()
        let transport = DNSTransport(egress: EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")]),
                                     attemptTimeout: .milliseconds(100), attempts: 1)
        let lookup = AuthoritativeLookup(client: DNSQueryClient(transport: transport),
                                         lookupServers: [try DNSServerAddress(parsing: "127.0.0.1:\(silent.port)")])
        let name = try DNSName(parsing: (0..<60).map { _ in "a" }.joined(separator: ".") + ".example.com")
        do {
            _ = try await lookup.zone(for: name)
            Issue.record("a zone was found with no server answering")
        } catch {
            guard case .timeout = error else { Issue.record("\(error)"); return }
        }
        #expect(silent.received() == 1, "one query for the name itself, none for its 61 ancestors")
    }
}
