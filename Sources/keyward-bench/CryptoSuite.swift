import Foundation
import KeywardPKI

/// Suite 1, the crypto floor: key generation plus signing per certificate, in process, for ECDSA P-256 and
/// RSA-2048. Nothing issues faster than this on this machine; `openssl speed` gives the raw signature rate of the
/// same primitives for comparison.
enum CryptoSuite {
    static let name = "crypto"

    /// Certificates per second at full parallelism, per algorithm: the floor the end-to-end figures divide by.
    struct Floors: Sendable {
        var certificatesPerSecond: [KeyAlgorithm: Double] = [:]
    }

    static func run(report: Report, quick: Bool) async throws -> Floors {
        var floors = Floors()
        let opensslRates = await opensslSignRates(seconds: quick ? 1 : 3)
        for algorithm in [KeyAlgorithm.ecdsaP256, .rsa2048] {
            let iterations = algorithm.isRSA ? (quick ? 12 : 120) : (quick ? 400 : 4_000)
            floors.certificatesPerSecond[algorithm] = try await measure(algorithm, iterations: iterations, report: report,
                                                                        opensslSignRate: opensslRates[algorithm])
        }
        return floors
    }

    private static func label(_ algorithm: KeyAlgorithm) -> String { algorithm.isRSA ? "RSA-2048" : "ECDSA P-256" }

    static func makeCA(_ algorithm: KeyAlgorithm) throws -> Issuer {
        let key = try PrivateKey.generate(algorithm)
        let issued = try Issuer.selfSigned.issue(
            template: CertificateTemplate(commonName: "Bench CA", duration: 10 * 365 * 86_400, isCA: true), subjectKey: key,
            now: Date())
        return try Issuer(certificate: issued.certificate, privateKey: key)
    }

    static func leafTemplate(_ index: Int) -> CertificateTemplate {
        CertificateTemplate(commonName: "leaf-\(index).bench.svc", dnsNames: ["leaf-\(index).bench.svc"])
    }

    /// What an issuance costs in crypto: a fresh key, a signed certificate, both PEM-encoded.
    static func issueOne(_ ca: Issuer, _ algorithm: KeyAlgorithm, index: Int) throws -> Int {
        let key = try PrivateKey.generate(algorithm)
        let issued = try ca.issue(template: leafTemplate(index), subjectKey: key, now: Date())
        return issued.fullchainPEM.utf8.count + key.pemEncoded().utf8.count
    }

    private static func measure(_ algorithm: KeyAlgorithm, iterations: Int, report: Report, opensslSignRate: Double?)
        async throws -> Double
    {
        let label = label(algorithm)
        let ca = try makeCA(algorithm)
        var sink = 0

        var watch = Stopwatch()
        for _ in 0..<iterations { sink &+= try PrivateKey.generate(algorithm).pemEncoded().utf8.count }
        let keygen = watch.seconds / Double(iterations)

        let key = try PrivateKey.generate(algorithm)
        watch = Stopwatch()
        for i in 0..<iterations { sink &+= try ca.issue(template: leafTemplate(i), subjectKey: key, now: Date()).certificatePEM.utf8.count }
        let sign = watch.seconds / Double(iterations)

        watch = Stopwatch()
        for i in 0..<iterations { sink &+= try issueOne(ca, algorithm, index: i) }
        let single = Double(iterations) / watch.seconds

        let cores = ProcessInfo.processInfo.activeProcessorCount
        let perCore = max(1, iterations / cores)
        watch = Stopwatch()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for core in 0..<cores {
                group.addTask {
                    var bytes = 0
                    for i in 0..<perCore { bytes &+= try issueOne(ca, algorithm, index: core * perCore + i) }
                    return bytes
                }
            }
            return try await group.reduce(0, &+)
        }
        sink &+= total
        let parallel = Double(perCore * cores) / watch.seconds

        report.add(Figure(name, "\(label): key generation", keygen * 1000, "ms/key"))
        report.add(Figure(name, "\(label): certificate signing (X.509 + PEM)", 1 / sign, "certs/s",
                          baseline: opensslSignRate.map { ("openssl speed raw signatures", $0) }))
        report.add(Figure(name, "\(label): key + certificate, 1 core", single, "certs/s"))
        report.add(Figure(name, "\(label): key + certificate, \(cores) cores (crypto floor)", parallel, "certs/s",
                          baseline: ("1 core", single)))
        if sink == 42 { emit("") }  // keeps the optimiser from discarding the work
        return parallel
    }

    /// Raw signature rates from `openssl speed`, the same primitives without X.509 around them.
    static func opensslSignRates(seconds: Int) async -> [KeyAlgorithm: Double] {
        guard let output = try? await Subprocess.run("/usr/bin/openssl", ["speed", "-seconds", "\(seconds)", "ecdsap256", "rsa2048"],
                                               timeout: 120).stdout else { return [:] }
        var rates: [KeyAlgorithm: Double] = [:]
        for line in output.split(separator: "\n") {
            let numbers = line.split(separator: " ").compactMap { Double($0) }
            guard numbers.count >= 2 else { continue }
            if line.hasPrefix("rsa 2048 bits") { rates[.rsa2048] = numbers[numbers.count - 2] }
            if line.contains("ecdsa (nistp256)") { rates[.ecdsaP256] = numbers[numbers.count - 2] }
        }
        return rates
    }
}
