import Foundation

/// What the numbers were measured on; printed first and stored with the figures.
struct MachineDescription: Codable, Sendable, CustomStringConvertible {
    var cpu: String
    var cores: Int
    var memoryGiB: Double
    var kernel: String
    var build: String

    static func current() -> MachineDescription {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #if DEBUG
        let build = "debug (numbers are not representative: use `swift run -c release keyward-bench`)"
        #else
        let build = "release"
        #endif
        return MachineDescription(
            cpu: (model ?? nil) ?? "unknown", cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
            kernel: "Linux \(kernel)", build: build)
    }

    var description: String {
        "\(cpu), \(cores) cores, \(memoryGiB) GiB RAM, \(kernel), \(build) build"
    }
}

/// Resident memory of a process from `/proc/<pid>/status` (Linux), in MiB.
struct ResidentMemory {
    /// Peak resident set size (VmHWM).
    var peakMiB: Double
    /// Current resident set size (VmRSS).
    var currentMiB: Double
    /// Of the current RSS, pages mapped from files (the executable's and libraries' text and data), nil if not reported.
    var fileMiB: Double?

    /// `pid` nil reads this process (`/proc/self/status`).
    static func read(pid: Int32? = nil) -> ResidentMemory? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        func kib(_ field: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first
        }
        guard let peak = kib("VmHWM"), let current = kib("VmRSS") else { return nil }
        return ResidentMemory(peakMiB: peak / 1024, currentMiB: current / 1024, fileMiB: kib("RssFile").map { $0 / 1024 })
    }
}
