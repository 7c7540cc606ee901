import ArgumentParser
import Foundation
import KeywardCore

/// `--egress-deny-cidr` / `--egress-allow-cidr`: where requests a SecretRotation's author aims (`verify.http`) may
/// connect. Shared by `keyward controller` and `keyward run`.
struct EgressOptions: ParsableArguments {
    @Option(name: .customLong("egress-deny-cidr"), help: ArgumentHelp(
        "Addresses tenant-aimed requests (spec.verify.http, Certificate spec.endpoints probes) must not reach, besides loopback, link-local (cloud metadata), unspecified and this pod's own (repeatable).",
        valueName: "cidr"))
    var denyCIDRs: [String] = []

    @Option(name: .customLong("egress-allow-cidr"), help: ArgumentHelp(
        "Addresses tenant-aimed requests may reach even when a deny entry covers them (repeatable; wins over every deny entry).",
        valueName: "cidr"))
    var allowCIDRs: [String] = []

    func validate() throws { _ = try policy(environment: [:]) }

    /// The policy from the flags, denying the pod's own addresses (`POD_IP` / `POD_IPS`, set by the chart) too.
    func policy(environment: [String: String]) throws -> EgressPolicy {
        func parse(_ texts: [String], _ flag: String) throws -> [CIDR] {
            try texts.map { text in
                do { return try CIDR(parsing: text.trimmingCharacters(in: .whitespaces)) } catch {
                    throw ValidationError("\(flag): \(error)")
                }
            }
        }
        return EgressPolicy(deny: try parse(denyCIDRs, "--egress-deny-cidr"), allow: try parse(allowCIDRs, "--egress-allow-cidr"),
                            ownAddresses: EgressPolicy.ownAddresses(environment: environment))
    }
}
