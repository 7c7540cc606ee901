import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Watch streams over real HTTPS: event lines, resume, 410, bookmarks, timeouts, selectors.
@Suite struct ServerWatchTests {
    private func types(_ lines: [JSONValue]) -> [String] {
        lines.compactMap { line in
            guard let type = line["type"]?.stringValue else { return nil }
            if type == "BOOKMARK" || type == "ERROR" { return type }
            return "\(type) \(line["object"]?["metadata"]?["name"]?.stringValue ?? "")"
        }
    }

    @Test func streamsChangesAsJSONLines() async throws {
        try await withServer { server in
            let start = try await server.get(Paths.configMaps()).json["metadata"]?["resourceVersion"]?.stringValue ?? ""
            let watch = try server.stream(Paths.configMaps() + "?" + query(["watch": "1", "resourceVersion": start]))
            defer { watch.stop() }
            #expect(await server.waitForWatches(1))
            var cm = try await server.post(Paths.configMaps(), Sample.configMap("w", data: ["v": "1"])).json
            cm["data"] = ["v": "2"]
            _ = try await server.put(Paths.configMaps("default", "w"), cm)
            _ = try await server.delete(Paths.configMaps("default", "w"))
            let lines = await watch.waitForLines { $0.count >= 3 }
            #expect(types(lines) == ["ADDED w", "MODIFIED w", "DELETED w"])
            #expect(lines[safe: 1]?["object"]?["data"]?["v"] == "2")
            #expect(lines[safe: 0]?["object"]?["kind"] == "ConfigMap")
            #expect(lines[safe: 0]?["object"]?["apiVersion"] == "v1")
            #expect(watch.status == 200)
            #expect(watch.headers["transfer-encoding"] == "chunked")
        }
    }

    @Test func resumesFromAResourceVersionWithoutGaps() async throws {
        try await withServer { server in
            let a = try await server.post(Paths.configMaps(), Sample.configMap("a")).json
            _ = try await server.post(Paths.configMaps(), Sample.configMap("b"))
            _ = try await server.delete(Paths.configMaps("default", "a"))
            let watch = try server.stream(Paths.configMaps() + "?" + query([
                "watch": "true", "resourceVersion": a["metadata"]?["resourceVersion"]?.stringValue ?? ""]))
            defer { watch.stop() }
            let lines = await watch.waitForLines { $0.count >= 2 }
            #expect(types(lines) == ["ADDED b", "DELETED a"])
        }
    }

    @Test func withoutAResourceVersionStartsWithSyntheticAdds() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("existing"))
            let watch = try server.stream(Paths.configMaps() + "?watch=1")
            defer { watch.stop() }
            let lines = await watch.waitForLines { !$0.isEmpty }
            #expect(types(lines) == ["ADDED existing"])
        }
    }

    @Test func tooOldResourceVersionGives200ThenAnExpiredError() async throws {
        try await withServer { server in
            let old = try await server.post(Paths.configMaps(), Sample.configMap("a")).json
            await server.server.faults.expireResourceVersions()
            let watch = try server.stream(Paths.configMaps() + "?" + query([
                "watch": "1", "resourceVersion": old["metadata"]?["resourceVersion"]?.stringValue ?? ""]))
            defer { watch.stop() }
            let lines = await watch.waitForLines { !$0.isEmpty }
            #expect(watch.status == 200)
            #expect(lines.first?["type"] == "ERROR")
            #expect(lines.first?["object"]?["kind"] == "Status")
            #expect(lines.first?["object"]?["code"] == 410)
            #expect(lines.first?["object"]?["reason"] == "Expired")
            #expect(await watch.waitForEnd())
        }
    }

    @Test func bookmarksCarryOnlyTheResourceVersion() async throws {
        try await withServer({ $0.bookmarkInterval = .milliseconds(50) }) { server in
            let watch = try server.stream(Paths.configMaps() + "?" + query([
                "watch": "1", "resourceVersion": "0", "allowWatchBookmarks": "true"]))
            defer { watch.stop() }
            let lines = await watch.waitForLines { $0.contains { $0["type"] == "BOOKMARK" } }
            let bookmark = try #require(lines.first { $0["type"] == "BOOKMARK" })
            #expect(bookmark["object"]?["kind"] == "ConfigMap")
            #expect(bookmark["object"]?["metadata"]?["resourceVersion"]?.stringValue?.isEmpty == false)
            #expect(bookmark["object"]?["data"] == nil)
            // Without allowWatchBookmarks none arrive (checked on a second stream that sees a later change).
            let plain = try server.stream(Paths.configMaps() + "?watch=1&resourceVersion=0")
            defer { plain.stop() }
            #expect(await server.waitForWatches(2))
            _ = try await server.post(Paths.configMaps(), Sample.configMap("after"))
            let plainLines = await plain.waitForLines { !$0.isEmpty }
            #expect(types(plainLines) == ["ADDED after"])
        }
    }

    @Test func sendInitialEventsEndsWithAnAnnotatedBookmark() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("a"))
            let watch = try server.stream(Paths.configMaps() + "?" + query([
                "watch": "1", "sendInitialEvents": "true", "allowWatchBookmarks": "true",
                "resourceVersionMatch": "NotOlderThan"]))
            defer { watch.stop() }
            let lines = await watch.waitForLines { $0.count >= 2 }
            // Periodic bookmarks may follow; the initial-events one comes right after the initial ADDEDs.
            #expect(types(lines).prefix(2) == ["ADDED a", "BOOKMARK"])
            #expect(lines[safe: 1]?["object"]?["metadata"]?["annotations"]?["k8s.io/initial-events-end"] == "true")
        }
    }

    @Test func timeoutSecondsClosesTheStream() async throws {
        try await withServer { server in
            let watch = try server.stream(Paths.configMaps() + "?watch=1&timeoutSeconds=1")
            defer { watch.stop() }
            #expect(await watch.waitForEnd())
            #expect(watch.status == 200)
            #expect(await server.waitForWatches(0))
        }
    }

    @Test func cutWatchesClosesEveryStream() async throws {
        try await withServer { server in
            let first = try server.stream(Paths.configMaps() + "?watch=1")
            let second = try server.stream("/api/v1/secrets?watch=1")
            defer { first.stop(); second.stop() }
            #expect(await server.waitForWatches(2))
            await server.server.faults.cutWatches()
            #expect(await first.waitForEnd())
            #expect(await second.waitForEnd())
            #expect(await server.server.openWatchCount() == 0)
        }
    }

    @Test func selectorWatchesSeeObjectsEnterAndLeave() async throws {
        try await withServer { server in
            let watch = try server.stream(Paths.configMaps() + "?" + query(["watch": "1", "resourceVersion": "0",
                                                                            "labelSelector": "team=a"]))
            defer { watch.stop() }
            #expect(await server.waitForWatches(1))
            var cm = try await server.post(Paths.configMaps(), Sample.configMap("x", labels: ["team": "b"])).json
            cm.assign(["metadata", "labels"], ["team": "a"])
            cm = try await server.put(Paths.configMaps("default", "x"), cm).json
            cm.assign(["metadata", "labels"], ["team": "c"])
            _ = try await server.put(Paths.configMaps("default", "x"), cm)
            let lines = await watch.waitForLines { $0.count >= 2 }
            // Entering the selector reads as ADDED, leaving it as DELETED.
            #expect(types(lines) == ["ADDED x", "DELETED x"])
        }
    }

    @Test func fieldSelectorOnNameWatchesOneObject() async throws {
        try await withServer { server in
            let watch = try server.stream(Paths.configMaps() + "?" + query(["watch": "1", "resourceVersion": "0",
                                                                            "fieldSelector": "metadata.name=only"]))
            defer { watch.stop() }
            #expect(await server.waitForWatches(1))
            _ = try await server.post(Paths.configMaps(), Sample.configMap("other"))
            _ = try await server.post(Paths.configMaps(), Sample.configMap("only"))
            let lines = await watch.waitForLines { !$0.isEmpty }
            #expect(types(lines) == ["ADDED only"])
        }
    }

    @Test func tableWatchesSendRows() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let watch = try server.stream(Paths.widgets() + "?watch=1&resourceVersion=0",
                                          accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            defer { watch.stop() }
            #expect(await server.waitForWatches(1))
            _ = try await server.post(Paths.widgets(), Sample.widget("w", size: 4))
            let lines = await watch.waitForLines { !$0.isEmpty }
            #expect(lines.first?["object"]?["kind"] == "Table")
            #expect(lines.first?["object"]?["rows"]?[0]?["cells"]?[1] == 4)
        }
    }
}

extension TestServer {
    /// Polls until exactly `count` watches are open (bounded).
    func waitForWatches(_ count: Int, seconds: Double = 15) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await server.openWatchCount() == count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await server.openWatchCount() == count
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
