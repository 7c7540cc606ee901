import CCurl
import Foundation
import KubeAPIServer

/// The memory suite's floor: this executable re-run to do the least any Keyward controller must do, and nothing
/// else. It loads the same binary and libraries (Swift runtime, Foundation, libcurl and OpenSSL), makes one GET to
/// the API server over verified TLS with a bearer token, parses the JSON answer and formats a timestamp, then prints
/// its own peak RSS. The idle controller is compared with it: what lies above it is the controller's own cost, what
/// lies below it is this binary and its libraries before any controller work (how it is linked moves that part:
/// docs/benchmarks.md).
///
/// It calls libcurl directly rather than through `KubernetesClient`, so none of Keyward's own code is in the figure.
enum RuntimeFloor {
    static let command = "runtime-floor"

    /// `keyward-bench runtime-floor URL CA-FILE TOKEN`: prints `peak-rss-kib N`; exit 0 only on a 200 with a JSON object.
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3 else {
            complain("usage: keyward-bench \(command) URL CA-FILE TOKEN")
            return 2
        }
        guard curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK, let handle = curl_easy_init() else {
            complain("libcurl did not initialise")
            return 1
        }
        defer { curl_easy_cleanup(handle) }
        let body = Body()
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Authorization: Bearer \(arguments[2])")
        headers = curl_slist_append(headers, "Accept: application/json")
        defer { curl_slist_free_all(headers) }
        ccurl_easy_setopt_string(handle, CURLOPT_URL, arguments[0])
        ccurl_easy_setopt_string(handle, CURLOPT_CAINFO, arguments[1])
        ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT, 30)
        ccurl_easy_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let bytes = size * count
            guard let data, let context else { return 0 }
            let body = Unmanaged<Body>.fromOpaque(context).takeUnretainedValue()
            guard body.bytes.count + bytes <= 1 << 20 else { return 0 }  // bounded: the floor reads one small answer
            body.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: bytes).bindMemory(to: UInt8.self))
            return bytes
        }
        let context = Unmanaged.passUnretained(body).toOpaque()
        ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        let result = withExtendedLifetime(body) { curl_easy_perform(handle) }
        var status = 0
        ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard result == CURLE_OK, status == 200,
              (try? JSONSerialization.jsonObject(with: Data(body.bytes))) is [String: Any]
        else {
            complain("GET \(arguments[0]) gave curl \(result.rawValue), HTTP \(status)")
            return 1
        }
        let stamp = Date().formatted(.iso8601)
        guard let memory = ResidentMemory.read() else { return 1 }
        print("peak-rss-kib \(Int(memory.peakMiB * 1024)) file-backed-kib \(Int((memory.fileMiB ?? 0) * 1024)) at \(stamp)")
        return 0
    }

    private static func complain(_ message: String) {
        FileHandle.standardError.write(Data("\(command): \(message)\n".utf8))
    }

    /// The answer's bytes, reached from libcurl's write callback through its context pointer.
    private final class Body {
        var bytes: [UInt8] = []
    }

    /// Runs the floor against `cluster` and returns its peak RSS and file-backed RSS in MiB. A floor that fails is a
    /// broken suite, not a missing figure: the smoke run in CI must notice.
    static func measure(_ cluster: BenchCluster) async throws -> (peakMiB: Double, fileMiB: Double) {
        let scratch = try Paths.scratchDirectory("runtime-floor")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ca = scratch.appendingPathComponent("ca.crt")
        try cluster.server.caCertificatePEM.write(to: ca, atomically: true, encoding: .utf8)
        let url = cluster.server.url.appendingPathComponent("api/v1/namespaces/\(BenchCluster.namespace)/secrets").absoluteString
        let output = try await Subprocess.run(Paths.selfExecutable.path, [command, url, ca.path, BenchCluster.controllerToken],
                                              timeout: 60)
        let words = output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("peak-rss-kib ") })?.split(separator: " ") ?? []
        guard output.status == 0, words.count >= 4, let peak = Double(words[1]), let file = Double(words[3]) else {
            throw Subprocess.Failure(description: "\(command) exited with \(output.status): \(output.stderr.suffix(1_000))")
        }
        return (peak / 1024, file / 1024)
    }
}
