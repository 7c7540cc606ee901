import Foundation
import KeywardCore
import RotationStrategies
import SecretGenerators

extension SecretRotation.Spec {
    public static let maximumKeys = 64
    public static let passwordLengthRange = 1...1024
    /// 128 bits is the least a token should carry; 1 KiB is already far beyond any use.
    public static let tokenBytesRange = 16...1024
    public static let historyLimitRange = 0...100

    /// Every reason this spec cannot be rotated, in field order. Pure: no I/O, no clock (time zones come from the
    /// process's tz database).
    ///
    /// "Two SecretRotations own the same key of one Secret" needs the other objects, so the controller checks that.
    public func validate() -> [SpecViolation] {
        var v = ViolationCollector()
        if secretName.isEmpty { v.add("spec.secretName", "required") }
        else { v.check("spec.secretName", NameRules.dns1123SubdomainProblem(secretName)) }

        validateKeys(&v)
        validateTiming(&v)
        v.check("spec.strategy.type", strategy.type.problem)
        // migrationTimeout is accepted for every strategy: it bounds consumer migration whatever the layout.
        v.check("spec.strategy.migrationTimeout", strategy.migrationTimeout.problem())
        if let verify { validate(verify, &v) }
        v.check("spec.rollback.onMigrationTimeout", rollback.onMigrationTimeout.problem)
        validateConsumers(&v)
        if !Self.historyLimitRange.contains(historyLimit) {
            v.add("spec.historyLimit", "must be between \(Self.historyLimitRange.lowerBound) and "
                  + "\(Self.historyLimitRange.upperBound)")
        }
        for (i, hook) in onChange.enumerated() {
            if hook.exec.isEmpty || hook.exec[0].isEmpty {
                v.add("spec.onChange[\(i)].exec", "must name a program (argv[0])")
            }
            v.check("spec.onChange[\(i)].timeout", hook.timeout.problem())
        }
        return v.violations
    }

    private func validateKeys(_ v: inout ViolationCollector) {
        if keys.isEmpty { v.add("spec.keys", "at least one key is required"); return }
        if keys.count > Self.maximumKeys { v.add("spec.keys", "at most \(Self.maximumKeys) keys") }
        var owners: [String: Int] = [:]
        for (i, key) in keys.enumerated() {
            let field = "spec.keys[\(i)]"
            if let problem = keyNameProblem(key.name) {
                v.add("\(field).name", problem)
            } else {
                for dataKey in key.valueKeys {
                    if let other = owners[dataKey] {
                        v.add("\(field).name", other == i ? "\"\(dataKey)\" is used twice"
                              : "\"\(dataKey)\" is already written by spec.keys[\(other)]")
                        break
                    }
                    owners[dataKey] = i
                }
            }
            validate(key.generator, "\(field).generator", &v)
        }
    }

    private func keyNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "required" }
        if let problem = NameRules.secretKeyProblem(name) { return problem }
        if name.utf8.count + ".username".utf8.count + SecretLayout.longestSuffix > 253 {
            return "too long: with layout suffixes it would exceed the 253-character Secret key limit"
        }
        if let suffix = SecretLayout.reservedSuffixes.first(where: { name.hasSuffix($0) }) {
            return "\"\(name)\" ends with \"\(suffix)\", which the rotation layouts reserve"
        }
        if strategy.type == .blueGreen && name == SecretLayout.activeMarkerKey {
            return "\"\(SecretLayout.activeMarkerKey)\" is the blueGreen marker key"
        }
        return nil
    }

    private func validate(_ generator: SecretRotation.Generator, _ field: String, _ v: inout ViolationCollector) {
        let configured = generator.configuredNames
        guard configured.count == 1 else {
            v.add(field, configured.isEmpty
                  ? "exactly one of password, token, uuid, privateKey or basicAuth is required"
                  : "exactly one generator may be set, found \(configured.joined(separator: " and "))")
            return
        }
        if let password = generator.password { validate(password, "\(field).password", &v) }
        if let token = generator.token {
            if !Self.tokenBytesRange.contains(token.bytes) {
                v.add("\(field).token.bytes", "must be between \(Self.tokenBytesRange.lowerBound) and "
                      + "\(Self.tokenBytesRange.upperBound)")
            }
            if !SecretRotation.ValueEncoding.tokenValues.contains(token.encoding) {
                v.add("\(field).token.encoding", "unsupported value \"\(token.encoding)\": must be \"base64\", "
                      + "\"base64url\" or \"hex\"")
            }
        }
        if let key = generator.privateKey {
            if let problem = key.algorithm.problem { v.add("\(field).privateKey.algorithm", problem) }
            else if let size = key.size {
                if key.algorithm == .rsa && !Certificate.PrivateKey.rsaSizes.contains(size) {
                    v.add("\(field).privateKey.size", "RSA keys must be 2048, 3072 or 4096 bits, not \(size)")
                } else if key.algorithm == .ecdsa && !Certificate.PrivateKey.ecdsaSizes.contains(size) {
                    v.add("\(field).privateKey.size", "ECDSA keys must be 256 or 384 bits, not \(size)")
                }
            }
        }
        if let auth = generator.basicAuth {
            if auth.username.isEmpty { v.add("\(field).basicAuth.username", "required") }
            else if auth.username.contains(":") || auth.username.contains(where: \.isNewline) {
                v.add("\(field).basicAuth.username", "must not contain ':' or line breaks (htpasswd format)")
            }
            validate(auth.password, "\(field).basicAuth.password", &v)
            if !SecretRotation.BasicAuthGenerator.costRange.contains(auth.cost) {
                let range = SecretRotation.BasicAuthGenerator.costRange
                v.add("\(field).basicAuth.cost", "must be between \(range.lowerBound) and \(range.upperBound)")
            }
        }
    }

    private func validate(_ p: SecretRotation.PasswordGenerator, _ field: String, _ v: inout ViolationCollector) {
        guard Self.passwordLengthRange.contains(p.length) else {
            v.add("\(field).length", "must be between \(Self.passwordLengthRange.lowerBound) and "
                  + "\(Self.passwordLengthRange.upperBound)")
            return
        }
        if let digits = p.digits, digits < 0 { v.add("\(field).digits", "must not be negative") }
        if let symbols = p.symbols, symbols < 0 { v.add("\(field).symbols", "must not be negative") }
        let digits = max(p.effectiveDigits, 0)
        let symbols = max(p.effectiveSymbols, 0)
        // Subtracted one at a time: digits + symbols may overflow where the CRD's bounds are not enforced.
        let fits = digits <= p.length && symbols <= p.length - digits
        let letters = fits ? p.length - digits - symbols : 0
        if !fits {
            v.add("\(field).length", "\(p.length) is less than digits + symbols (\(digits) + \(symbols))")
        }
        if !p.symbolCharacters.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isLetter && !$0.isNumber }) {
            v.add("\(field).symbolCharacters", "must be printable ASCII punctuation")
        }
        // Each class must be able to supply its count (once each, unless repeats are allowed).
        let alphabets = p.alphabets()
        let pools: [(field: String, noun: String, needed: Int, available: Int)] = [
            ("symbols", "symbols", symbols, alphabets.symbols.count), ("digits", "digits", digits, alphabets.digits.count),
            ("length", "letters", max(letters, 0), alphabets.letters.count),
        ]
        for pool in pools where pool.needed > 0 {
            if pool.available == 0 {
                v.add("\(field).excludedCharacters", "excludes every character usable for \(pool.noun)")
            } else if !p.allowRepeat && pool.needed > pool.available {
                v.add("\(field).\(pool.field)",
                      "\(pool.needed) distinct \(pool.noun) are needed but only \(pool.available) "
                      + "are available; set allowRepeat: true or lower the count")
            }
        }
    }

    private func validateTiming(_ v: inout ViolationCollector) {
        switch (interval, schedule) {
        case (nil, nil): v.add("spec.interval", "exactly one of interval or schedule is required")
        case (.some, .some): v.add("spec.schedule", "exactly one of interval or schedule may be set, not both")
        case (.some(let interval), nil):
            v.check("spec.interval", interval.problem(minimum: Self.minimumInterval))
        case (nil, .some(let schedule)):
            do { _ = try CronSchedule(parsing: schedule.cron) } catch { v.add("spec.schedule.cron", error.reason) }
            if TimeZone(identifier: schedule.timeZone) == nil {
                v.add("spec.schedule.timeZone", "unknown time zone \"\(schedule.timeZone)\" (use an IANA name such "
                      + "as Europe/Berlin)")
            }
        }
    }

    private func validate(_ verify: SecretRotation.Verify, _ v: inout ViolationCollector) {
        if verify.http == nil && verify.job == nil {
            v.add("spec.verify", "set http, job or both (or remove verify)")
        }
        if let http = verify.http {
            if http.url.contains("{{") {
                v.add("spec.verify.http.url", "must not contain placeholders: URLs are logged; put the candidate in "
                      + "a header or the body")
            } else {
                v.check("spec.verify.http.url", NameRules.urlProblem(http.url, schemes: ["http", "https"]))
            }
            v.check("spec.verify.http.method", http.method.problem)
            let known = Set(valueKeys)
            let basicAuthKeys = Set(keys.filter { $0.generator.basicAuth != nil }.map(\.name))
            func checkTemplate(_ text: String, _ field: String) {
                let template: VerifyTemplate
                do { template = try VerifyTemplate(parsing: text) } catch { v.add(field, error.reason); return }
                for p in template.placeholders {
                    if p.function == .basicAuth ? !basicAuthKeys.contains(p.key) : !known.contains(p.key) {
                        v.add(field, p.function == .basicAuth ? "\"\(p.key)\" is not a basicAuth key of this rotation"
                              : "\"\(p.key)\" is not a key this rotation writes")
                        return
                    }
                }
            }
            if http.headers.count > SecretRotation.HTTPCheck.maximumHeaders {
                v.add("spec.verify.http.headers", "at most \(SecretRotation.HTTPCheck.maximumHeaders) headers")
            }
            for (i, header) in http.headers.enumerated() {
                v.check("spec.verify.http.headers[\(i)].name", NameRules.headerNameProblem(header.name))
                if HTTPFieldValue.hasControlCharacter(header.value) {
                    // A CR or LF would start another header: refused by name, the value is never quoted.
                    v.add("spec.verify.http.headers[\(i)].value", "must not contain control characters (CR, LF, NUL, ...)")
                } else {
                    checkTemplate(header.value, "spec.verify.http.headers[\(i)].value")
                }
            }
            if let body = http.body { checkTemplate(body, "spec.verify.http.body") }
            if !(100...599).contains(http.expectedStatus) {
                v.add("spec.verify.http.expectedStatus", "must be an HTTP status code (100-599)")
            }
            v.check("spec.verify.http.timeout", http.timeout.problem(maximum: SecretRotation.HTTPCheck.maximumTimeout))
        }
        if let job = verify.job {
            job.templateViolations("spec.verify.job.template", &v)
            v.check("spec.verify.job.timeout", job.timeout.problem())
            if let account = job.serviceAccountName {
                v.check("spec.verify.job.serviceAccountName", NameRules.dns1123SubdomainProblem(account))
            }
        }
    }

    private func validateConsumers(_ v: inout ViolationCollector) {
        var seen = Set<String>()
        for (i, workload) in consumers.workloads.enumerated() {
            let field = "spec.consumers.workloads[\(i)]"
            v.check("\(field).kind", workload.kind.problem)
            if workload.name.isEmpty { v.add("\(field).name", "required") }
            else if let problem = NameRules.dns1123SubdomainProblem(workload.name) { v.add("\(field).name", problem) }
            else if !seen.insert(workload.description).inserted { v.add(field, "\(workload) is listed twice") }
        }
        if consumers.maxConcurrentRollouts < 1 {
            v.add("spec.consumers.maxConcurrentRollouts", "must be at least 1")
        }
    }
}
