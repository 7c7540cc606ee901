import KeywardCore

extension SecretRotation {
    /// Checks a candidate must pass before promotion; with both set, both must pass.
    public struct Verify: Codable, Sendable, Hashable {
        public var http: HTTPCheck?
        public var job: JobCheck?

        public init(http: HTTPCheck? = nil, job: JobCheck? = nil) {
            self.http = http
            self.job = job
        }
    }

    /// An HTTP request that must answer ``expectedStatus`` when it carries the candidate (in headers or body).
    public struct HTTPCheck: Codable, Sendable, Hashable {
        /// http or https; may not contain placeholders (URLs end up in logs).
        public var url: String
        public var method: HTTPMethod
        /// Header values may use ``VerifyTemplate`` placeholders.
        public var headers: [HTTPHeader]
        /// Request body; may use ``VerifyTemplate`` placeholders.
        public var body: String?
        public var expectedStatus: Int
        public var timeout: DurationString

        public static let defaultTimeout: DurationString = "10s"
        /// A slow endpoint holds a rotation worker this long at most.
        public static let maximumTimeout = GoDuration(seconds: 60)
        public static let maximumHeaders = 32

        public init(url: String, method: HTTPMethod = .get, headers: [HTTPHeader] = [], body: String? = nil,
                    expectedStatus: Int = 200, timeout: DurationString = HTTPCheck.defaultTimeout) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.expectedStatus = expectedStatus
            self.timeout = timeout
        }

        enum CodingKeys: String, CodingKey { case url, method, headers, body, expectedStatus, timeout }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(.url, or: "")
            method = try c.decode(.method, or: .get)
            headers = try c.decode(.headers, or: [])
            body = try c.decodeIfPresent(.body)
            expectedStatus = try c.decode(.expectedStatus, or: 200)
            timeout = try c.decode(.timeout, or: Self.defaultTimeout)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(method, forKey: .method)
            try c.encodeUnlessEmpty(headers, forKey: .headers)
            try c.encodeIfPresent(body, forKey: .body)
            try c.encode(expectedStatus, forKey: .expectedStatus)
            try c.encode(timeout, forKey: .timeout)
        }
    }

    public struct HTTPMethod: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let get: HTTPMethod = "GET"
        public static let head: HTTPMethod = "HEAD"
        public static let post: HTTPMethod = "POST"
        public static let put: HTTPMethod = "PUT"
        public static let allowedValues: [HTTPMethod] = [.get, .head, .post, .put]
    }

    public struct HTTPHeader: Codable, Sendable, Hashable {
        public var name: String
        /// May contain ``VerifyTemplate`` placeholders; never logged once rendered.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A Job run with the candidate mounted; success (a Complete Job) passes.
    public struct JobCheck: Codable, Sendable, Hashable {
        /// A batch/v1 JobSpec of which only `template.spec.containers` is accepted (each with name, image,
        /// imagePullPolicy, command, args, workingDir, env without Secret/ConfigMap references, resources; see
        /// ``allowedContainerFields``). The operator builds the rest of the Job: no service account token, the
        /// namespace's `default` service account, restricted security context, and a volume `keyward-candidate` (a
        /// Secret holding only the candidate values, under their plain key names) mounted read-only at
        /// ``candidateMountPath`` in every container.
        public var template: JSONValue
        /// The Job must complete within this; default 5m.
        public var timeout: DurationString
        /// The pod's service account: `default` unless the operator allows this one for the namespace
        /// (`keyward controller --verify-job-service-accounts`). Its token is never mounted either way.
        public var serviceAccountName: String?

        public static let defaultTimeout: DurationString = "5m"
        public static let candidateMountPath = "/var/run/keyward/candidate"

        public init(template: JSONValue, timeout: DurationString = JobCheck.defaultTimeout,
                    serviceAccountName: String? = nil) {
            self.template = template
            self.timeout = timeout
            self.serviceAccountName = serviceAccountName
        }

        enum CodingKeys: String, CodingKey { case template, timeout, serviceAccountName }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            template = try c.decode(.template, or: JSONValue.null)
            timeout = try c.decode(.timeout, or: Self.defaultTimeout)
            serviceAccountName = try c.decodeIfPresent(.serviceAccountName)
        }
    }
}
