import ControllerRuntime
import Foundation

/// Standalone HTTP-01 through a web server that already serves a folder (`http01.webroot`): the key authorization
/// goes to `<webroot>/.well-known/acme-challenge/<token>` (written to a temporary name in that folder, then renamed,
/// so the server never serves half a file) and is removed afterwards. The token is checked first
/// (``ACMEChallengeToken``), so the file name can never leave the folder.
struct HTTP01Webroot: Sendable {
    var root: String

    var challengeDirectory: URL {
        URL(fileURLWithPath: root, isDirectory: true).appendingPathComponent(".well-known/acme-challenge", isDirectory: true)
    }

    func present(token: String, keyAuthorization: String) throws(ACMESolverError) {
        let file = try self.file(for: token)
        let directory = challengeDirectory
        do {
            // 0755 folders and a 0644 file: the web server usually runs as another user.
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            let temporary = directory.appendingPathComponent(".\(token).\(UUID().uuidString).tmp")
            guard FileManager.default.createFile(atPath: temporary.path, contents: Data(keyAuthorization.utf8),
                                                 attributes: [.posixPermissions: 0o644])
            else { throw CocoaError(.fileWriteUnknown) }
            guard rename(temporary.path, file.path) == 0 else {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            }
        } catch {
            throw ACMESolverError("http01.webroot: cannot write the challenge file under \(directory.path): \(Self.reason(error))")
        }
    }

    func cleanup(token: String) throws(ACMESolverError) {
        let file = try self.file(for: token)
        guard unlink(file.path) == 0 || errno == ENOENT else {
            throw ACMESolverError("http01.webroot: cannot remove \(file.path): \(String(cString: strerror(errno)))")
        }
    }

    private func file(for token: String) throws(ACMESolverError) -> URL {
        guard ACMEChallengeToken.isValid(token) else {
            throw ACMESolverError("the CA sent a challenge token that is not base64url; refusing to use it as a file name",
                                  isRetryable: false)
        }
        return challengeDirectory.appendingPathComponent(token, isDirectory: false)
    }

    private static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        return (error as NSError).localizedDescription
    }
}
