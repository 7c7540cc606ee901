import CFuzzDriver
import Foundation

// `keyward-fuzz <target> [libFuzzer flags] [corpus directories …]`: one binary for every fuzz target. Built by
// scripts/fuzz.sh with coverage instrumentation and libFuzzer it fuzzes; in ordinary builds it replays the corpus
// files it is given once each (a crash there is a regression).

let targets: [(name: String, summary: String)] = [
    ("pem", "PEM and DER certificates, keys and CRLs as Keyward reads them from Secrets and files"),
    ("watch", "watch response bodies split into arbitrary chunks (Certificate, SecretRotation and Secret events)"),
    ("duration", "Go durations, cron schedules, verify templates, usages and Kubernetes timestamps"),
    ("manifest", "standalone manifest files (YAML/JSON documents) decoded and validated as Keyward resources"),
    ("kubeconfig", "kubeconfig files resolved into a client configuration"),
    ("crl", "tenant-made CRL ConfigMaps next to the stored copy, through the CRL publisher's trust and merge rules"),
    ("dns", "DNS messages from a (tenant-chosen) nameserver: decoding, re-encoding and TSIG verification"),
    ("json", "JSON documents through JSONValue.parse, checked against the JSONDecoder path it replaced"),
]

let arguments = CommandLine.arguments
guard arguments.count >= 2, targets.contains(where: { $0.name == arguments[1] }) else {
    var usage = "usage: keyward-fuzz <target> [libFuzzer flags] [corpus …]\ntargets:\n"
    for target in targets { usage += "  \(target.name.padding(toLength: 12, withPad: " ", startingAt: 0))\(target.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

// libFuzzer sees the program name and everything after the target name.
var forwarded: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) }
forwarded.append(nil)
let argc = Int32(forwarded.count - 1)
let status = forwarded.withUnsafeMutableBufferPointer { buffer -> Int32 in
    let argv = buffer.baseAddress
    // Closure literals, each a C function pointer: libFuzzer calls them with no context.
    switch arguments[1] {
    case "pem": return keyward_fuzz_run(argc, argv) { data, size in PEMTarget.run(FuzzInput(data, size)); return 0 }
    case "watch": return keyward_fuzz_run(argc, argv) { data, size in WatchTarget.run(FuzzInput(data, size)); return 0 }
    case "duration": return keyward_fuzz_run(argc, argv) { data, size in DurationTarget.run(FuzzInput(data, size)); return 0 }
    case "manifest": return keyward_fuzz_run(argc, argv) { data, size in ManifestTarget.run(FuzzInput(data, size)); return 0 }
    case "crl": return keyward_fuzz_run(argc, argv) { data, size in CRLTarget.run(FuzzInput(data, size)); return 0 }
    case "dns": return keyward_fuzz_run(argc, argv) { data, size in DNSMessageTarget.run(FuzzInput(data, size)); return 0 }
    case "json": return keyward_fuzz_run(argc, argv) { data, size in JSONTarget.run(FuzzInput(data, size)); return 0 }
    default: return keyward_fuzz_run(argc, argv) { data, size in KubeconfigTarget.run(FuzzInput(data, size)); return 0 }
    }
}
exit(status)
