import Foundation

/// Suite 8, standalone mode against the openssl CLI: `keyward run --once` issuing N leaf certificates (ECDSA P-256)
/// from one CA into files, against the shell loop of `openssl req` / `openssl x509 -req` a podman setup would script
/// for the same files.
enum StandaloneSuite {
    static let name = "standalone"

    static func run(report: Report, quick: Bool) async throws {
        let count = quick ? 40 : 400
        let scratch = try Paths.scratchDirectory("standalone")
        defer { try? FileManager.default.removeItem(at: scratch) }

        let manifests = scratch.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        try caManifest.write(to: manifests.appendingPathComponent("ca.yaml"), atomically: true, encoding: .utf8)
        for i in 0..<count {
            try leafManifest(i).write(to: manifests.appendingPathComponent("leaf-\(i).yaml"), atomically: true, encoding: .utf8)
        }
        // The openssl loop runs first: its 20-odd seconds let the disk finish with what earlier suites deleted (on a
        // filesystem mounted with `discard`, a run that starts right after thousands of deletes measured twice as
        // slow). Keyward then runs three times into fresh folders, nothing deleted between them, and the median
        // counts; the spread is printed beside it. (ext4 without a journal skips inodes freed in the last minutes
        // when it allocates, reading inode tables to find them: deletes slow later creates for a while.)
        let shell = scratch.appendingPathComponent("openssl")
        try FileManager.default.createDirectory(at: shell, withIntermediateDirectories: true)
        let opensslWatch = Stopwatch()
        let openssl = try await Subprocess.run("/bin/bash", ["-c", "cd '\(shell.path)'\n" + opensslScript(count: count)])
        let opensslSeconds = opensslWatch.seconds
        guard openssl.status == 0 else {
            report.note(name, "the openssl loop failed: \(openssl.stderr.suffix(1_000))")
            return
        }

        // The default (grouped durability) and `--durability each-file` alternate, so both see the same disk.
        var keywardRuns: [Double] = [], eachFileRuns: [Double] = []
        for run in 0..<3 {
            for mode in ["grouped", "each-file"] {
                let keywardWatch = Stopwatch()
                let keyward = try await Subprocess.run(Paths.selfExecutable.path, [
                    "keyward", "run", "--once", "--manifests", manifests.path,
                    "--state", scratch.appendingPathComponent("state-\(mode)-\(run)").path,
                    "--out", scratch.appendingPathComponent("out-\(mode)-\(run)").path, "--log-level", "error",
                    "--durability", mode,
                ])
                let seconds = keywardWatch.seconds
                if mode == "grouped" { keywardRuns.append(seconds) } else { eachFileRuns.append(seconds) }
                guard keyward.status == 0 else {
                    report.note(name, "keyward run --once exited \(keyward.status): \(keyward.stdout.suffix(1_000)) \(keyward.stderr.suffix(1_000))")
                    return
                }
            }
        }
        let keywardSeconds = Sample(keywardRuns).percentile(50)
        let eachFileSeconds = Sample(eachFileRuns).percentile(50)
        func spread(_ runs: [Double]) -> String { "three runs: " + runs.map { Report.format($0) + " s" }.joined(separator: ", ") }

        report.add(Figure(name, "keyward run --once, CA + \(count) leaves (median)", keywardSeconds, "s",
                          baseline: ("openssl CLI loop", opensslSeconds), note: spread(keywardRuns)))
        report.add(Figure(name, "keyward run --once, per certificate", keywardSeconds / Double(count + 1) * 1000, "ms/cert",
                          baseline: ("openssl CLI loop", opensslSeconds / Double(count + 1) * 1000)))
        report.add(Figure(name, "the same with --durability each-file (median)", eachFileSeconds, "s",
                          baseline: ("grouped, same run", keywardSeconds), note: spread(eachFileRuns)))
    }

    static let caManifest = """
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata:
          name: bench-ca
        spec:
          secretName: bench-ca
          isCA: true
          commonName: Keyward Bench CA
          duration: 87600h
          issuer:
            selfSigned: {}
          files: {}

        """

    static func leafManifest(_ i: Int) -> String {
        """
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata:
          name: leaf-\(i)
        spec:
          secretName: leaf-\(i)-tls
          commonName: leaf-\(i).bench.svc
          dnsNames:
            - leaf-\(i).bench.svc
          duration: 2160h
          issuer:
            ca:
              certificateRef: bench-ca
          files: {}

        """
    }

    /// What a shell script does to produce the same files: a CA, then per leaf a key and CSR, a signature with the
    /// SAN and usages, and the full chain.
    static func opensslScript(count: Int) -> String {
        """
        set -euo pipefail
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \\
          -subj "/CN=Keyward Bench CA" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \\
          -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        for i in $(seq 0 \(count - 1)); do
          openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "leaf-$i.key" -out "leaf-$i.csr" \\
            -subj "/CN=leaf-$i.bench.svc" 2>/dev/null
          printf 'subjectAltName=DNS:leaf-%s.bench.svc\\nextendedKeyUsage=serverAuth\\nkeyUsage=critical,digitalSignature\\n' "$i" \\
            > "leaf-$i.ext"
          openssl x509 -req -in "leaf-$i.csr" -CA ca.crt -CAkey ca.key -CAserial ca.srl -CAcreateserial -days 90 -sha256 \\
            -extfile "leaf-$i.ext" -out "leaf-$i.crt" 2>/dev/null
          cat "leaf-$i.crt" ca.crt > "leaf-$i.fullchain.pem"
        done
        """
    }
}
