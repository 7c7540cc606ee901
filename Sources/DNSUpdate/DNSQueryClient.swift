/// Plain (unsigned) queries: one question to one nameserver, the answer checked to answer exactly that question.
public struct DNSQueryClient: Sendable {
    public let transport: DNSTransport

    public init(transport: DNSTransport) {
        self.transport = transport
    }

    /// Asks `server` for `type` records of `name`. NOERROR and NXDOMAIN answers are returned (the caller reads the
    /// sections); any other RCODE is a typed error.
    public func query(_ name: DNSName, _ type: DNSRecordType, at server: DNSServerAddress,
                      recursionDesired: Bool = false) async throws(DNSUpdateError) -> DNSMessage {
        let question = DNSQuestion(name: name, type: type)
        let request = DNSMessage(header: DNSHeader(id: UInt16.random(in: .min ... .max), opcode: .query,
                                                   recursionDesired: recursionDesired),
                                 questions: [question])
        let bytes = try await transport.exchange(request.encoded(), with: server)
        let response: DNSMessage
        do { response = try DNSMessage(decoding: bytes) } catch { throw .malformedResponse(server: server.description, error) }
        guard response.header.isResponse, response.header.id == request.header.id,
            response.header.opcode == DNSOpcode.query.rawValue,
            response.questions.count == 1, response.questions[0] == question
        else { throw .unexpectedResponse(server: server.description, detail: "the answer is not for \(name) \(type)") }
        switch response.header.responseCode {
        case .noError, .nameError: return response
        case .refused: throw .refused(server: server.description, zone: name.description)
        case .notAuth: throw .notAuthoritative(server: server.description, zone: name.description)
        case let code: throw .serverError(server: server.description, code: code)
        }
    }
}
