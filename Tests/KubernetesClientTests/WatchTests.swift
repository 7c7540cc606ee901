import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

@Suite struct WatchTests {
    @Test func streamsAddedModifiedDeletedAndBookmarks() async throws {
        try await withCluster(configure: { $0.bookmarkInterval = .milliseconds(100) }) { cluster in
            let client = cluster.client
            let start = try await client.list(ConfigMap.self, in: .namespace("default"))
            let stream = try await client.watch(ConfigMap.self, in: .namespace("default"),
                                                options: WatchOptions(resourceVersion: start.metadata.resourceVersion,
                                                                      timeoutSeconds: 30))
            var created = try await client.create(ConfigMap(metadata: ObjectMeta(name: "w", namespace: "default"), data: ["v": "1"]))
            created.data = ["v": "2"]
            _ = try await client.update(created)
            try await client.delete(ConfigMap.self, name: "w", namespace: "default")

            var seen: [String] = []
            var bookmarks = 0
            for try await event in stream {
                switch event {
                case .added(let o): seen.append("ADDED \(o.data?["v"] ?? "")")
                case .modified(let o): seen.append("MODIFIED \(o.data?["v"] ?? "")")
                case .deleted: seen.append("DELETED")
                case .bookmark(let rv):
                    #expect(!rv.isEmpty)
                    bookmarks += 1
                case .unreadable(let item, _):
                    Issue.record("unreadable: \(item)")
                }
                if seen.count == 3 && bookmarks >= 1 { break }
            }
            #expect(seen == ["ADDED 1", "MODIFIED 2", "DELETED"])
            #expect(bookmarks >= 1)
        }
    }

    @Test func tooOldResourceVersionSurfacesGone() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            let start = try await client.list(ConfigMap.self, in: .namespace("default"))
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "a", namespace: "default")))
            await cluster.server.faults.expireResourceVersions()
            do {
                let stream = try await client.watch(ConfigMap.self, in: .namespace("default"),
                                                    options: WatchOptions(resourceVersion: start.metadata.resourceVersion))
                for try await _ in stream {}
                Issue.record("an expired resourceVersion must end in 410")
            } catch let error as KubernetesError {
                #expect(error.isGone, "\(error)")
            }
        }
    }

    @Test func aCutStreamEndsAndCanResumeWithoutMissingChanges() async throws {
        try await withCluster { cluster in
            let client = cluster.client
            let start = try await client.list(ConfigMap.self, in: .namespace("default"))
            var lastVersion = start.metadata.resourceVersion
            let stream = try await client.watch(ConfigMap.self, in: .namespace("default"),
                                                options: WatchOptions(resourceVersion: lastVersion, allowBookmarks: false))
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "before-cut", namespace: "default")))
            var names: [String] = []
            do {
                for try await event in stream {
                    if let o = event.object { names.append(o.metadata.name) }
                    lastVersion = event.resourceVersion ?? lastVersion
                    await cluster.server.faults.cutWatches()
                }
            } catch let error as KubernetesError {
                guard case .transport = error else { throw error }
            }
            // Changes made while no watch is open are replayed from the last version seen.
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "during-gap", namespace: "default")))
            let resumed = try await client.watch(ConfigMap.self, in: .namespace("default"),
                                                 options: WatchOptions(resourceVersion: lastVersion, allowBookmarks: false))
            for try await event in resumed {
                if let o = event.object { names.append(o.metadata.name) }
                break
            }
            #expect(names == ["before-cut", "during-gap"])
        }
    }
}
