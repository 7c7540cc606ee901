import ACME
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

extension ACMESigner {
    /// One pass over the order: places it when the state has none, then continues from whatever the CA says now.
    func sign(_ request: SigningRequest) async throws -> SigningOutcome {
        var state = ACMEPendingState(request.pendingState ?? [:])
        let now = request.now
        if let notBefore = state.values[Keys.notBefore].flatMap(Double.init).map(Date.init(timeIntervalSince1970:)),
           notBefore > now {
            return pending(state, state.values[Keys.waitingFor] ?? "waiting for the ACME server", until: notBefore, now: now)
        }
        state.values[Keys.notBefore] = nil
        do {
            if state.order == nil {
                if let problem = Self.unsupported(request.template) { return .failed(.permanent(problem, reason: "ACMEUnsupported")) }
                if let failure = try await placeOrder(request, into: &state) { return failure }
            }
            let outcome = try await advance(request, state: &state)
            state.values[Keys.transientFailures] = nil
            return outcome
        } catch let error as ACMEError {
            let outcome = await handle(error, state: state, now: now)
            if case .failed = outcome { await cleanupAll(state, request: request) }
            return outcome
        } catch let error as ACMESolverError {
            await cleanupAll(state, request: request)
            return .failed(SigningFailure(isRetryable: error.isRetryable, reason: "ACMESolverFailed", message: error.message))
        }
    }

    /// What the template asks that no ACME CA gives: refused at once, naming the field.
    static func unsupported(_ template: CertificateTemplate) -> String? {
        if template.isCA { return "spec.isCA: an ACME CA issues no CA certificates" }
        if !template.uris.isEmpty { return "spec.uris: an ACME CA certifies only dnsNames and ipAddresses" }
        if !template.emailAddresses.isEmpty { return "spec.emailAddresses: an ACME CA certifies only dnsNames and ipAddresses" }
        let s = template.subject
        if !(s.organizations.isEmpty && s.organizationalUnits.isEmpty && s.countries.isEmpty && s.localities.isEmpty && s.provinces.isEmpty) {
            return "spec.subject: an ACME CA puts no subject fields besides the common name in a certificate"
        }
        if template.dnsNames.isEmpty && template.ipAddresses.isEmpty { return "spec.dnsNames: an ACME certificate needs at least one name" }
        if !template.crlDistributionPoints.isEmpty { return "spec.crlDistributionPoints: the ACME CA decides them" }
        return nil
    }

    // MARK: Order

    /// newOrder for the template's names, after checking a solver can prove each; `replaces` the stored certificate
    /// when the CA has ARI. Returns a failure when the order cannot be placed as configured.
    private func placeOrder(_ request: SigningRequest, into state: inout ACMEPendingState) async throws -> SigningOutcome? {
        for name in request.template.dnsNames where ACMESolverSelection.solverIndex(for: name, in: spec.solvers) == nil {
            let why = name.hasPrefix("*.") ? " (a wildcard name needs a dns01 solver)" : ""
            return .failed(.permanent("no entry of spec.acme.solvers of \(displayName) selects \(name)\(why)", reason: "ACMENoSolver"))
        }
        let directory = try await client.directory()
        var replaces: String?
        if directory.renewalInfo != nil, let storedLeaf, let id = try? ARICertID(certificateDER: PEMBundle.derEncoded(storedLeaf)) {
            replaces = id.string
        }
        let profile = spec.profile.flatMap { directory.meta.profiles[$0] != nil ? $0 : nil }
        let identifiers = request.template.dnsNames.map(ACMEIdentifier.dns) + request.template.ipAddresses.map(ACMEIdentifier.ip)
        var order: ACMEOrder
        do {
            order = try await client.newOrder(identifiers: identifiers, replaces: replaces, profile: profile)
        } catch {
            // The CA refuses this `replaces` (already replaced by another order): an order without it is still right.
            let refusedReplaces = ["alreadyReplaced", "malformed", "conflict"].contains(error.problem?.shortType ?? "")
            guard replaces != nil, refusedReplaces else { throw error }
            replaces = nil
            order = try await client.newOrder(identifiers: identifiers, replaces: nil, profile: profile)
        }
        state.order = order.url.absoluteString
        state.finalize = order.finalizeURL.absoluteString
        state.replaces = replaces
        state.values[Keys.ordersPlaced] = String((Int(state.values[Keys.ordersPlaced] ?? "") ?? 0) + 1)
        await record(.normal, reason: ACMEEventReason.orderCreated,
                     message: "ACME order \(order.url.absoluteString) created at \(displayName) for \(identifiers.map(\.value).joined(separator: ", "))"
                         + (replaces.map { " replacing \($0)" } ?? ""))
        return nil
    }

    /// Continues the order from its current status at the CA.
    private func advance(_ request: SigningRequest, state: inout ACMEPendingState) async throws -> SigningOutcome {
        guard let orderURL = state.order.flatMap(URL.init(string:)) else {
            return .failed(.retryable("the pending ACME state names no order URL", reason: "ACMEOrderFailed"))
        }
        var order = try await client.order(at: orderURL)
        if order.status == .pending {
            if state.authorizations.isEmpty {
                return try await present(order, request: request, state: &state)
            }
            if let outcome = try await validate(request: request, state: &state) { return outcome }
            order = try await client.order(at: orderURL)
        }
        if order.status == .ready || order.status == .processing || order.status == .valid {
            await settleAuthorizations(request: request, state: &state)
        }
        switch order.status {
        case .pending:
            return pending(state, "waiting for the ACME order to become ready", until: order.retryAfter, now: request.now)
        case .ready:
            let csr = try request.subjectKey.certificateSigningRequestDER(for: request.template)
            order = try await client.finalize(finalizeURL: order.finalizeURL, orderURL: orderURL, csrDER: csr)
            guard order.status == .valid else {
                return pending(state, "the ACME CA is issuing the certificate (order \(order.status.rawValue))", until: order.retryAfter, now: request.now)
            }
            return try await download(order, request: request, state: state)
        case .processing:
            return pending(state, "the ACME CA is issuing the certificate", until: order.retryAfter, now: request.now)
        case .valid:
            return try await download(order, request: request, state: state)
        case .invalid:
            // The CA may have failed a submitted challenge between two passes: its authorization says why, which
            // is what the user needs (the order's own error is often generic).
            if let refused = try await refusedAuthorization(in: state) {
                state.authorizations[refused.index].step = .invalid
                await cleanupAll(state, request: request)
                return await challengeInvalid(state.authorizations[refused.index], refused.authorization)
            }
            await cleanupAll(state, request: request)
            let detail = order.error.map(ACMEServerText.bounded) ?? "no problem document"
            let message = "ACME order \(orderURL.absoluteString) is invalid: \(detail)"
            await record(.warning, reason: ACMEEventReason.orderInvalid, message: message)
            return .failed(.retryable(message, reason: "ACMEOrderInvalid"))
        }
    }

    // MARK: Challenges

    /// First look at the authorizations: the ones already valid (the CA reuses them) need nothing; for the others
    /// the selected solver presents its challenge. The state goes out before any self-check, so the HTTP-01
    /// listener (which reads it from the informer cache) can answer.
    private func present(_ order: ACMEOrder, request: SigningRequest, state: inout ACMEPendingState) async throws -> SigningOutcome {
        var records: [ACMEPendingState.Authorization] = []
        for url in order.authorizationURLs {
            let authorization = try await client.authorization(at: url)
            let name = (authorization.wildcard ? "*." : "") + authorization.identifier.value
            if authorization.status == .valid {
                records.append(.init(url: url.absoluteString, dnsName: name, challengeURL: "", type: .http01, token: "",
                                     keyAuthorization: "", solverIndex: 0, step: .valid, selfCheckSince: nil))
                continue
            }
            guard let index = ACMESolverSelection.solverIndex(for: name, in: spec.solvers) else {
                throw ACMESolverError("no entry of spec.acme.solvers of \(displayName) selects \(name)", isRetryable: false)
            }
            let type: ACMEChallengeType = spec.solvers[index].dns01 != nil ? .dns01 : .http01
            guard let challenge = authorization.challenge(ofType: type.rawValue) else {
                throw ACMESolverError("the ACME CA offers no \(type.rawValue) challenge for \(name)", isRetryable: false)
            }
            records.append(.init(url: url.absoluteString, dnsName: name, challengeURL: challenge.url.absoluteString, type: type,
                                 token: challenge.token,
                                 keyAuthorization: ACMEKeyAuthorization.keyAuthorization(token: challenge.token, accountKey: accountKey),
                                 solverIndex: index, step: .presented, selfCheckSince: request.now))
        }
        state.authorizations = records
        for record in records where record.step == .presented {
            try await solver(for: record).present(record.task, context: context(record, request: request))
            await self.record(.normal, reason: ACMEEventReason.challengePresented,
                              message: "presented the \(record.type.rawValue) challenge for \(record.dnsName)")
        }
        let waiting = records.filter { $0.step == .presented }.count
        return pending(state, waiting == 0 ? "every authorization is valid already" : "presented \(waiting) challenge(s); self-check next",
                       until: nil, now: request.now)
    }

    /// An order past `pending` means the CA found every authorization valid, including ones that turned valid
    /// between two passes: record them as such (Event, metric) and release their challenge resources.
    private func settleAuthorizations(request: SigningRequest, state: inout ACMEPendingState) async {
        for index in state.authorizations.indices where state.authorizations[index].step == .submitted
            || state.authorizations[index].step == .presented {
            state.authorizations[index].step = .valid
            await cleanup(state.authorizations[index], request: request)
            await record(.normal, reason: ACMEEventReason.challengeValid,
                         message: "the ACME CA validated \(state.authorizations[index].dnsName) (\(state.authorizations[index].type.rawValue))")
        }
    }

    /// Self-checks presented challenges, tells the CA to validate once all pass, and follows submitted ones to a
    /// final state. Returns an outcome while something is still awaited; nil when every authorization is valid.
    private func validate(request: SigningRequest, state: inout ACMEPendingState) async throws -> SigningOutcome? {
        var records = state.authorizations
        var waitingFor: [String] = []
        let started = ContinuousClock.now
        var checked = 0
        for record in records where record.step == .presented {
            // A check that passed counts until the self-check timeout, so every pass gets further: at least one
            // check per pass, then as many as the budget allows.
            let challenge = "\(record.challengeURL)|\(record.token)"
            if await options.clients.selfCheckPassed(challenge, now: request.now) { continue }
            guard checked == 0 || ContinuousClock.now - started < options.selfCheckPassBudget else {
                waitingFor.append("\(record.dnsName): checked in the next pass")
                continue
            }
            checked += 1
            let verdict = try await solver(for: record).selfCheck(record.task, context: context(record, request: request))
            if case .ready = verdict {
                await options.clients.recordSelfCheckPassed(challenge, until: request.now.addingTimeInterval(options.selfCheckTimeout),
                                                            now: request.now)
            }
            if case .notReady(let why) = verdict {
                let since = record.selfCheckSince ?? request.now
                if request.now.timeIntervalSince(since) >= options.selfCheckTimeout {
                    await cleanupAll(state, request: request)
                    let message = "self-check for \(record.dnsName) (\(record.type.rawValue)) did not pass within \(Int(options.selfCheckTimeout)) s: \(why)"
                    await self.record(.warning, reason: ACMEEventReason.selfCheckFailed, message: message)
                    return .failed(.retryable(message, reason: "ACMESelfCheckFailed"))
                }
                waitingFor.append("\(record.dnsName): \(why)")
            }
        }
        if !waitingFor.isEmpty {
            return pending(state, "waiting for the challenge self-check: " + waitingFor.joined(separator: "; "), until: nil, now: request.now)
        }
        // Every presented challenge answers: the CA may look now.
        for index in records.indices where records[index].step == .presented {
            guard let url = URL(string: records[index].challengeURL) else { continue }
            _ = try await client.respond(toChallengeAt: url)
            records[index].step = .submitted
        }
        var retryAfter: Date?
        for index in records.indices where records[index].step == .submitted {
            guard let url = URL(string: records[index].url) else { continue }
            let authorization = try await client.authorization(at: url)
            switch authorization.status {
            case .valid:
                records[index].step = .valid
                await cleanup(records[index], request: request)
                await record(.normal, reason: ACMEEventReason.challengeValid,
                             message: "the ACME CA validated \(records[index].dnsName) (\(records[index].type.rawValue))")
            case .pending:
                retryAfter = [retryAfter, authorization.retryAfter].compactMap { $0 }.min()
            case .invalid, .deactivated, .expired, .revoked:
                records[index].step = .invalid
                state.authorizations = records
                await cleanupAll(state, request: request)
                return await challengeInvalid(records[index], authorization)
            }
        }
        state.authorizations = records
        let open = records.filter { $0.step != .valid }
        if !open.isEmpty {
            return pending(state, "the ACME CA is validating " + open.map(\.dnsName).joined(separator: ", "), until: retryAfter, now: request.now)
        }
        return nil
    }

    /// The first submitted authorization the CA has finished without success, if any.
    private func refusedAuthorization(in state: ACMEPendingState) async throws
        -> (index: Int, authorization: ACMEAuthorization)? {
        for index in state.authorizations.indices where state.authorizations[index].step == .submitted {
            guard let url = URL(string: state.authorizations[index].url) else { continue }
            let authorization = try await client.authorization(at: url)
            if authorization.status != .valid && authorization.status != .pending { return (index, authorization) }
        }
        return nil
    }

    /// The failure for a challenge the CA refused, with the CA's problem detail (Event and condition).
    private func challengeInvalid(_ record: ACMEPendingState.Authorization, _ authorization: ACMEAuthorization) async -> SigningOutcome {
        let detail = authorization.failure.map(ACMEServerText.bounded) ?? "authorization \(authorization.status.rawValue)"
        let message = "the ACME CA refused the \(record.type.rawValue) challenge for \(record.dnsName): \(detail)"
        await self.record(.warning, reason: ACMEEventReason.challengeInvalid, message: message)
        return .failed(.retryable(message, reason: "ACMEChallengeInvalid"))
    }

    private func solver(for record: ACMEPendingState.Authorization) throws(ACMESolverError) -> any ACMEChallengeSolver {
        guard let solver = options.solvers[record.type] else {
            throw ACMESolverError("this Keyward has no \(record.type.rawValue) solver for \(record.dnsName) (not configured in this mode)",
                                  isRetryable: false)
        }
        return solver
    }

    private func context(_ record: ACMEPendingState.Authorization, request: SigningRequest) -> ACMESolverContext {
        context(record, requester: request.requester, now: request.now)
    }

    private func context(_ record: ACMEPendingState.Authorization, requester: SigningRequest.Requester,
                         now: Date) -> ACMESolverContext {
        ACMESolverContext(certificateNamespace: requester.namespace, certificateName: requester.name,
                          certificateUID: requester.uid, issuerDisplayName: displayName,
                          solver: spec.solvers.indices.contains(record.solverIndex) ? spec.solvers[record.solverIndex] : IssuerSpec.ACME.Solver(),
                          secretNamespace: secretNamespace, store: store, egress: options.egress, now: now)
    }

    private func cleanup(_ record: ACMEPendingState.Authorization, request: SigningRequest) async {
        await cleanup(record, requester: request.requester, now: request.now)
    }

    private func cleanup(_ record: ACMEPendingState.Authorization, requester: SigningRequest.Requester, now: Date) async {
        guard !record.token.isEmpty, let solver = options.solvers[record.type] else { return }
        do {
            try await solver.cleanup(record.task, context: context(record, requester: requester, now: now))
        } catch {
            await self.record(.warning, reason: ACMEEventReason.cleanupFailed,
                              message: "could not clean up the \(record.type.rawValue) challenge for \(record.dnsName): \(ACMEServerText.bounded("\(error)"))")
        }
    }

    /// After success, failure or abandonment: every challenge this order presented is cleaned up (idempotent).
    func cleanupAll(_ state: ACMEPendingState, request: SigningRequest) async {
        await cleanupAll(state, requester: request.requester, now: request.now)
    }

    func cleanupAll(_ state: ACMEPendingState, requester: SigningRequest.Requester, now: Date) async {
        for record in state.authorizations where !record.token.isEmpty {
            await cleanup(record, requester: requester, now: now)
        }
    }

    /// The reconciler dropped this order (the spec changed, the stored certificate matches again): its challenge
    /// routes and records go; the order itself expires at the CA.
    func abandon(state: [String: String], requester: SigningRequest.Requester, now: Date) async {
        await cleanupAll(ACMEPendingState(state), requester: requester, now: now)
    }

    // MARK: Certificate

    private func download(_ order: ACMEOrder, request: SigningRequest, state: ACMEPendingState) async throws -> SigningOutcome {
        guard let url = order.certificateURL else {
            return pending(state, "the ACME order is valid but names no certificate yet", until: order.retryAfter, now: request.now)
        }
        let chain = try await client.downloadCertificate(at: url, preferredIssuerCN: spec.preferredChain)
        await cleanupAll(state, request: request)
        let certificates: [X509.Certificate]
        do {
            certificates = try PEMBundle.certificates(from: chain.pem)
        } catch {
            return .failed(.retryable("the ACME CA served an unreadable certificate chain at \(url.absoluteString): \(error)", reason: "ACMEOrderFailed"))
        }
        guard let leaf = certificates.first, leaf.publicKey == request.subjectPublicKey else {
            return .failed(.retryable("the certificate at \(url.absoluteString) is not for this request's key", reason: "ACMEOrderFailed"))
        }
        var intermediates = Array(certificates.dropFirst())
        var root = intermediates.last ?? leaf
        // A served self-signed root is the trust anchor (ca.crt), not part of the presented chain.
        if let top = intermediates.last, top.subject == top.issuer, intermediates.count > 1 {
            root = top
            intermediates.removeLast()
        }
        await record(.normal, reason: ACMEEventReason.issued,
                     message: "the ACME CA issued serial \(CertificateInfoText.serial(leaf)) (order \(order.url.absoluteString))")
        return .issued(IssuedCertificate(certificate: leaf, chain: intermediates, caCertificate: root))
    }

    // MARK: Outcomes

    /// Pending with the state; back at the server's Retry-After (bounded) or the poll interval.
    func pending(_ state: ACMEPendingState, _ message: String, until: Date?, now: Date) -> SigningOutcome {
        let wait = until.map { $0.timeIntervalSince(now) } ?? options.pollInterval
        return .pending(.init(state: state.values, message: message,
                              requeueAfter: min(max(1, wait), options.maxPollInterval)))
    }

    /// Rate limits wait for the server's Retry-After (with the order kept); transient trouble is retried with the
    /// same order a bounded number of times; any other problem fails the order (problem verbatim, then backoff).
    private func handle(_ error: ACMEError, state: ACMEPendingState, now: Date) async -> SigningOutcome {
        var state = state
        let message = "\(displayName): \(ACMEServerText.bounded(error))"
        if case .rateLimited(_, _, let retryAfter) = error {
            let until = retryAfter.map { min($0, now.addingTimeInterval(24 * 3600)) } ?? now.addingTimeInterval(3600)
            state.values[Keys.notBefore] = String(Int(until.timeIntervalSince1970))
            state.values[Keys.waitingFor] = "rate limited by the ACME CA until \(KubeTime.format(until)): \(ACMEServerText.bounded(error))"
            return .pending(.init(state: state.values, message: state.values[Keys.waitingFor] ?? message,
                                  requeueAfter: max(1, until.timeIntervalSince(now))))
        }
        let failures = (Int(state.values[Keys.transientFailures] ?? "") ?? 0) + 1
        if error.isTransient, failures <= Self.maxTransientFailures {
            state.values[Keys.transientFailures] = String(failures)
            let delay = min(options.maxPollInterval, 5 * pow(2, Double(failures - 1)))
            return .pending(.init(state: state.values, message: "retrying (\(failures)/\(Self.maxTransientFailures)): \(message)",
                                  requeueAfter: delay))
        }
        return .failed(.retryable(message, reason: error.problem.map { "ACME" + $0.shortType.prefix(1).uppercased() + $0.shortType.dropFirst() } ?? "ACMEOrderFailed"))
    }

    static let maxTransientFailures = 8

    enum Keys {
        static let notBefore = "acme.notBefore"
        static let waitingFor = "acme.waitingFor"
        static let transientFailures = "acme.transientFailures"
        static let ordersPlaced = "acme.ordersPlaced"
    }
}
