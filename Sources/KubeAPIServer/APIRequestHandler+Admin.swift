import Foundation
import Hummingbird
import KeywardCore

/// `/_keyward/*`: the fault and log controls of ``APIServer`` over HTTP, for scripts driving `keyward-apiserver`.
///
/// - `GET requests`, `GET writes`, `DELETE logs`
/// - `POST faults/cut-watches`, `POST faults/expire`, `POST faults/reset`
/// - `POST faults/fail?code=500&count=1&verb=get&resource=secrets&retryAfterSeconds=2`
/// - `POST faults/conflict?count=1&verb=update&resource=secrets`
/// - `POST faults/delay?milliseconds=200`, `POST faults/fail-rate?rate=0.1&seed=7`
/// - `POST jobs/complete?namespace=default&name=verify-1`, `POST jobs/fail?...`: plays the Job controller
extension APIRequestHandler {
    func admin(_ segments: [String], _ call: APICall) async throws(APIStatusError) -> Response {
        let route = (call.method.rawValue, segments.joined(separator: "/"))
        switch route {
        case ("GET", "requests"):
            return HTTPResponses.json(try Self.encode(await journal.requests))
        case ("GET", "writes"):
            return HTTPResponses.json(try Self.encode(await journal.writes))
        case ("DELETE", "logs"):
            await journal.clear()
        case ("POST", "faults/cut-watches"):
            await faults.cutWatches()
        case ("POST", "faults/expire"):
            await faults.expireResourceVersions()
        case ("POST", "faults/reset"):
            await faults.reset()
        case ("POST", "faults/fail"):
            guard let code = try call.query.int("code"), (400...599).contains(code) else {
                throw .badRequest("code must be an HTTP error code (400-599)")
            }
            await faults.failNext(try call.query.int("count") ?? 1, verb: try verb(call), resource: call.query["resource"],
                                  code: code, retryAfterSeconds: try call.query.int("retryAfterSeconds"))
        case ("POST", "faults/conflict"):
            await faults.conflictNext(try call.query.int("count") ?? 1, verb: try verb(call), resource: call.query["resource"])
        case ("POST", "faults/delay"):
            await faults.setDelay(.milliseconds(try call.query.int("milliseconds") ?? 0))
        case ("POST", "faults/fail-rate"):
            guard let rate = call.query["rate"].flatMap(Double.init), (0...1).contains(rate) else {
                throw .badRequest("rate must be a number between 0 and 1")
            }
            await faults.setFailRate(rate, seed: call.query["seed"].flatMap(UInt64.init))
        case ("POST", "jobs/complete"), ("POST", "jobs/fail"):
            guard let name = call.query["name"], !name.isEmpty else { throw .badRequest("name is required") }
            let namespace = call.query["namespace"] ?? "default"
            guard await store.finishJob(namespace: namespace, name: name, succeeded: segments.last == "complete") else {
                throw .badRequest("no Job \(FieldError.goQuote(namespace))/\(FieldError.goQuote(name))")
            }
        default:
            throw .pathNotFound
        }
        return HTTPResponses.success(details: [:])
    }

    private func verb(_ call: APICall) throws(APIStatusError) -> Verb? {
        guard let text = call.query["verb"], !text.isEmpty else { return nil }
        guard let verb = Verb(rawValue: text) else {
            throw .badRequest("unknown verb \(FieldError.goQuote(text))")
        }
        return verb
    }

    private static func encode(_ value: some Encodable) throws(APIStatusError) -> JSONValue {
        do { return try JSONValue(encoding: value) } catch { throw .internalError("cannot encode the log") }
    }
}
