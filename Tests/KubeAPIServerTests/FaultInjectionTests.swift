import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Fault injection: scripted failures, conflicts, random failures, cut watches and expired versions.
@Suite struct FaultInjectionTests {
    @Test func failNextMatchesVerbAndResourceAndCounts() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm"))
            await server.server.faults.failNext(2, verb: .get, resource: "configmaps", code: 503, retryAfterSeconds: 3)
            let list = try await server.get(Paths.configMaps())  // a list, not a get: untouched
            #expect(list.status == 200)
            let first = try await server.get(Paths.configMaps("default", "cm"))
            #expect(first.status == 503)
            #expect(first.headers["retry-after"] == "3")
            #expect(first.json["reason"] == "ServiceUnavailable")
            #expect(first.json["details"]?["retryAfterSeconds"] == 3)
            #expect(try await server.get(Paths.configMaps("default", "cm")).status == 503)
            #expect(try await server.get(Paths.configMaps("default", "cm")).status == 200)
            #expect(await server.server.faults.pendingRuleCount == 0)
            let codes = await server.server.requestLog().map(\.code)
            #expect(codes.suffix(4) == [200, 503, 503, 200])
        }
    }

    @Test func tooManyRequestsCarriesRetryAfter() async throws {
        try await withServer { server in
            await server.server.faults.failNext(verb: .list, code: 429)
            let response = try await server.get(Paths.configMaps())
            #expect(response.status == 429)
            #expect(response.json["reason"] == "TooManyRequests")
            #expect(response.headers["retry-after"] == "1")
        }
    }

    @Test func conflictNextLooksLikeALostRace() async throws {
        try await withServer { server in
            let cm = try await server.post(Paths.configMaps(), Sample.configMap("cm")).json
            await server.server.faults.conflictNext(resource: "configmaps")
            let response = try await server.put(Paths.configMaps("default", "cm"), cm)
            #expect(response.status == 409)
            #expect(response.json["message"] == "Operation cannot be fulfilled on configmaps \"cm\": the object has been modified; please apply your changes to the latest version and try again")
            #expect(try await server.put(Paths.configMaps("default", "cm"), cm).status == 200)
        }
    }

    @Test func failRateFailsAboutThatFractionReproducibly() async throws {
        try await withServer { server in
            await server.server.faults.setFailRate(0.5, seed: 42)
            var codes: [Int] = []
            for _ in 0..<40 { codes.append(try await server.get(Paths.configMaps()).status) }
            let failures = codes.filter { $0 != 200 }
            #expect(Set(failures).isSubset(of: [500, 504]))
            #expect((8...32).contains(failures.count), "\(failures.count) of 40 failed")
            await server.server.faults.reset()
            #expect(try await server.get(Paths.configMaps()).status == 200)
        }
    }

    @Test func delayIsRecordedAndRequestsStillSucceed() async throws {
        try await withServer { server in
            await server.server.faults.setDelay(.milliseconds(10))
            #expect(await server.server.faults.delay == .milliseconds(10))
            let response = try await server.get(Paths.configMaps())
            #expect(response.status == 200)
        }
    }

    @Test func faultsDoNotTouchDiscovery() async throws {
        try await withServer { server in
            await server.server.faults.failNext(code: 500)
            let discovery = try await server.get("/api/v1")
            let resource = try await server.get(Paths.configMaps())
            #expect(discovery.status == 200)
            #expect(resource.status == 500)
        }
    }

    @Test func adminEndpointsDriveFaultsOverHTTP() async throws {
        try await withServer { server in
            let armed = try await server.request("POST", "/_keyward/faults/fail?code=500&verb=list&resource=secrets")
            #expect(armed.status == 200)
            #expect(try await server.get("/api/v1/namespaces/default/secrets").status == 500)
            let log = try await server.get("/_keyward/requests").json
            #expect(log.arrayValue?.contains { $0["code"] == 500 } == true)
            #expect(try await server.request("DELETE", "/_keyward/logs").status == 200)
            #expect(await server.server.requestLog().count == 1)  // the DELETE itself
        }
    }
}
