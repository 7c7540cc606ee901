import ArgumentParser
import CertificateGate
import Foundation
import KeywardCore
import KubernetesClient

/// `keyward convert --from cert-manager`: cert-manager manifests in, Keyward manifests out (stdout).
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert cert-manager Certificates (and the Issuers they use) into Keyward manifests.",
        discussion: """
            Reads cert-manager.io/v1 Certificate, Issuer and ClusterIssuer manifests from FILE, every *.yaml/*.yml/*.json \
            in DIR, or - (stdin), and writes the Keyward manifests to stdout. Issuers are folded into the Certificates \
            that use them (selfSigned and ca only); everything that cannot be carried over is listed per object, as \
            comments in the output and on stderr. Exit 1 when anything was dropped, unless --allow-lossy; 2 when the \
            input cannot be read. Other documents (Namespaces, workloads) pass through unchanged. See \
            docs/migrating-from-cert-manager.md.
            """)

    @Option(help: "Source format; only cert-manager is supported.")
    var from: String

    @Argument(help: "A manifest file, a folder of manifests, or - for stdin.")
    var input: String

    @Flag(help: "Exit 0 even when fields or objects had to be dropped.")
    var allowLossy = false

    func validate() throws {
        guard from == "cert-manager" else { throw ValidationError("--from must be cert-manager") }
    }

    func run() async throws {
        let documents: [JSONValue]
        do { documents = try Self.read(input) } catch {
            FileHandle.standardError.write(Data("convert: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let result = CertManagerConverter.convert(documents)
        print(Self.render(result.documents), terminator: "")
        for finding in result.notes { FileHandle.standardError.write(Data("note: \(finding)\n".utf8)) }
        for finding in result.dropped { FileHandle.standardError.write(Data("dropped: \(finding)\n".utf8)) }
        if !result.dropped.isEmpty {
            FileHandle.standardError.write(Data("convert: \(result.dropped.count) field(s) or object(s) could not be converted\(allowLossy ? " (--allow-lossy)" : "; rerun with --allow-lossy to accept")\n".utf8))
            if !allowLossy { throw ExitCode(1) }
        }
    }

    struct InputError: Error, CustomStringConvertible {
        var description: String
    }

    static func render(_ documents: [CertManagerConverter.Document]) -> String {
        documents.map { document in
            "---\n" + document.comments.map { "# \($0)\n" }.joined() + YAMLRenderer.render(document.object) + "\n"
        }.joined()
    }

    /// Every document of the input; a folder is read in name order (not recursively).
    static func read(_ input: String) throws -> [JSONValue] {
        if input == "-" {
            let data = FileHandle.standardInput.readData(ofLength: YAMLValue.maximumBytes + 1)
            guard data.count <= YAMLValue.maximumBytes else { throw InputError(description: "stdin is larger than \(YAMLValue.maximumBytes) bytes") }
            return try parse(data, name: "stdin")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw InputError(description: "\(input): no such file or folder")
        }
        let files: [String]
        if isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: input)
            files = names.filter { [".yaml", ".yml", ".json"].contains(where: $0.hasSuffix) }.sorted().map { "\(input)/\($0)" }
        } else {
            files = [input]
        }
        var documents: [JSONValue] = []
        for file in files {
            switch FileProbe.read(file) {
            case .missing: throw InputError(description: "\(file): no such file")
            case .unreadable(let reason): throw InputError(description: "\(file): \(reason)")
            case .contents(let data): documents += try parse(data, name: file)
            }
        }
        return documents
    }

    private static func parse(_ data: Data, name: String) throws -> [JSONValue] {
        do { return try YAMLValue.documents(String(decoding: data, as: UTF8.self)) } catch {
            throw InputError(description: "\(name): \(error)")
        }
    }
}
