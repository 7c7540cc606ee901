extension IssuerSpec.ACME {
    /// Every reason this `acme` section cannot be used, with `spec.acme.`-rooted field paths. Pure.
    func validate(into v: inout ViolationCollector) {
        let root = "spec.acme"
        if server.isEmpty { v.add("\(root).server", "required") }
        else { v.check("\(root).server", NameRules.urlProblem(server, schemes: ["https"])) }
        if let email, !email.isEmpty { v.check("\(root).email", NameRules.emailProblem(email)) }
        privateKeySecretRef.validate("\(root).privateKeySecretRef", into: &v)
        if let caBundle, !caBundle.contains("-----BEGIN CERTIFICATE-----") {
            v.add("\(root).caBundle", "must hold PEM certificates")
        }
        if let eab = externalAccountBinding {
            let path = "\(root).externalAccountBinding"
            if eab.keyID.isEmpty { v.add("\(path).keyID", "required") }
            eab.keySecretRef.validate("\(path).keySecretRef", into: &v)
            if let algorithm = eab.keyAlgorithm, algorithm != ExternalAccountBinding.hs256 {
                v.add("\(path).keyAlgorithm", "unsupported value \"\(algorithm)\": only \"HS256\"")
            }
        }
        if let profile, profile.isEmpty || profile.utf8.count > 64 { v.add("\(root).profile", "must be 1-64 characters") }
        if let preferredChain, preferredChain.utf8.count > 256 { v.add("\(root).preferredChain", "must be at most 256 characters") }
        if solvers.isEmpty { v.add("\(root).solvers", "at least one solver is required") }
        for (i, solver) in solvers.enumerated() { solver.validate("\(root).solvers[\(i)]", into: &v) }
    }
}

extension IssuerSpec.ACME.SecretKeySelector {
    func validate(_ path: String, into v: inout ViolationCollector) {
        if name.isEmpty { v.add("\(path).name", "required") }
        else { v.check("\(path).name", NameRules.dns1123SubdomainProblem(name)) }
        if let key { v.check("\(path).key", NameRules.secretKeyProblem(key)) }
    }
}

extension IssuerSpec.ACME.Solver {
    func validate(_ path: String, into v: inout ViolationCollector) {
        switch (http01, dns01) {
        case (nil, nil): v.add(path, "exactly one of http01 or dns01 is required")
        case (.some, .some): v.add(path, "exactly one of http01 or dns01 may be set, not both")
        case (.some(let http), nil): http.validate("\(path).http01", into: &v)
        case (nil, .some(let dns)): dns.validate("\(path).dns01", into: &v)
        }
        guard let selector else { return }
        for (i, name) in selector.dnsNames.enumerated() {
            v.check("\(path).selector.dnsNames[\(i)]", NameRules.dnsNameProblem(name))
        }
        for (i, zone) in selector.dnsZones.enumerated() {
            v.check("\(path).selector.dnsZones[\(i)]", NameRules.dnsNameProblem(zone))
            if zone.hasPrefix("*") { v.add("\(path).selector.dnsZones[\(i)]", "a zone cannot be a wildcard") }
        }
    }
}

extension IssuerSpec.ACME.HTTP01 {
    func validate(_ path: String, into v: inout ViolationCollector) {
        let set = [ingress != nil, gatewayHTTPRoute != nil, listen != nil, webroot != nil].filter { $0 }.count
        guard set == 1 else {
            v.add(path, "exactly one of ingress, gatewayHTTPRoute, listen or webroot is required")
            return
        }
        if let ingress {
            switch (ingress.ingressClassName, ingress.name) {
            case (nil, nil), (.some, .some):
                v.add("\(path).ingress", "exactly one of ingressClassName or name is required")
            case (.some(let name), nil): v.check("\(path).ingress.ingressClassName", NameRules.dns1123SubdomainProblem(name))
            case (nil, .some(let name)): v.check("\(path).ingress.name", NameRules.dns1123SubdomainProblem(name))
            }
        }
        if let route = gatewayHTTPRoute {
            if route.parentRefs.isEmpty { v.add("\(path).gatewayHTTPRoute.parentRefs", "at least one parent is required") }
            for (i, parent) in route.parentRefs.enumerated() {
                v.check("\(path).gatewayHTTPRoute.parentRefs[\(i)].name", NameRules.dns1123SubdomainProblem(parent.name))
                if let namespace = parent.namespace {
                    v.check("\(path).gatewayHTTPRoute.parentRefs[\(i)].namespace", NameRules.dns1123LabelProblem(namespace))
                }
            }
        }
        if let listen, listen.isEmpty || !listen.contains(":") {
            v.add("\(path).listen", "must be an address such as \":80\" or \"127.0.0.1:8080\"")
        }
        if let webroot, !webroot.hasPrefix("/") || webroot.split(separator: "/").contains("..") {
            v.add("\(path).webroot", "must be an absolute path without \"..\"")
        }
    }
}

extension IssuerSpec.ACME.DNS01 {
    func validate(_ path: String, into v: inout ViolationCollector) {
        guard let rfc2136 else {
            v.add(path, "a provider is required: rfc2136")
            return
        }
        let p = "\(path).rfc2136"
        if rfc2136.nameserver.isEmpty { v.add("\(p).nameserver", "required") }
        switch (rfc2136.tsigKeyName, rfc2136.tsigSecretSecretRef) {
        case (.some(let name), .some(let ref)):
            v.check("\(p).tsigKeyName", NameRules.dnsNameProblem(name.hasSuffix(".") ? String(name.dropLast()) : name))
            ref.validate("\(p).tsigSecretSecretRef", into: &v)
        case (nil, nil): break
        case (.some, nil): v.add("\(p).tsigSecretSecretRef", "required with tsigKeyName")
        case (nil, .some): v.add("\(p).tsigKeyName", "required with tsigSecretSecretRef")
        }
        if let algorithm = rfc2136.tsigAlgorithm, algorithm != IssuerSpec.ACME.DNS01.RFC2136.hmacSHA256 {
            v.add("\(p).tsigAlgorithm", "unsupported value \"\(algorithm)\": only \"HMACSHA256\"")
        }
    }
}
