import Foundation
import KeywardCore

/// Waits until every authoritative nameserver of a zone answers a TXT record with a given value, asking each one
/// directly (recursion off) so no cache can answer for it.
public struct TXTPropagationCheck: Sendable {
    public let client: DNSQueryClient

    public init(client: DNSQueryClient) {
        self.client = client
    }

    /// The servers among `servers` that do not (yet) answer `value` at `name` authoritatively, each with why.
    public func awaiting(_ name: DNSName, value: String, servers: [AuthoritativeServer]) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for server in servers {
                group.addTask {
                    do {
                        let response = try await client.query(name, .txt, at: server.address)
                        guard response.header.isAuthoritative else { return "\(server): answer not authoritative" }
                        let values = response.answers.filter { $0.name == name }.compactMap(\.data.text)
                        return values.contains(value) ? nil : "\(server)"
                    } catch {
                        return "\(server): \(error)"
                    }
                }
            }
            var awaiting: [String] = []
            for await entry in group { if let entry { awaiting.append(entry) } }
            return awaiting.sorted()
        }
    }

    /// Polls every `interval` until all `servers` answer, at most `timeout` by `clock`. `progress` hears what is
    /// still awaited after each round that is not yet complete.
    public func waitUntilAnswered(_ name: DNSName, value: String, servers: [AuthoritativeServer], timeout: Duration,
                                  interval: Duration = .seconds(2), clock: any WallClock = SystemClock(),
                                  progress: @Sendable ([String]) async -> Void = { _ in }) async throws(DNSUpdateError) {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = clock.now.addingTimeInterval(seconds)
        while true {
            let awaiting = await awaiting(name, value: value, servers: servers)
            if awaiting.isEmpty { return }
            if clock.now >= deadline || Task.isCancelled {
                throw .propagationTimeout(name: name.description, awaiting: awaiting)
            }
            await progress(awaiting)
            do { try await clock.sleep(for: interval) } catch {
                throw .propagationTimeout(name: name.description, awaiting: awaiting)
            }
        }
    }
}
