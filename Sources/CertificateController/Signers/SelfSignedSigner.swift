import Foundation
import KeywardCore
import KeywardPKI
import X509

/// Every certificate signs itself with its own key: root CAs, and Certificates of a selfSigned Issuer.
struct SelfSignedSigner: CertificateSigner {
    var displayName: String
    var expectedIssuer: X509.Certificate? { nil }

    init(displayName: String = "selfSigned") { self.displayName = displayName }

    func sign(_ request: SigningRequest) async throws -> SigningOutcome {
        try await LocalSigning.sign(request, with: .selfSigned, displayName: displayName)
    }
}

/// Signing in this process with a ``KeywardPKI/Issuer``, on the crypto threads (RSA-4096 takes seconds), with the
/// PKI's errors turned into failures a condition can show.
enum LocalSigning {
    static func sign(_ request: SigningRequest, with issuer: KeywardPKI.Issuer, displayName: String) async throws -> SigningOutcome {
        let (template, key, now) = (request.template, request.subjectKey, request.now)
        let result: Result<IssuedCertificate, IssuanceError> = await HeavyWorkPool.crypto.perform {
            do throws(IssuanceError) { return .success(try issuer.issue(template: template, subjectKey: key, now: now)) } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let issued): return .issued(issued)
        case .failure(.invalidIssuer(let reason)):
            // The CA passed resolution but cannot sign now (e.g. it expired): say which issuer.
            return .failed(.retryable("issuer \(displayName) cannot sign: \(reason)"))
        case .failure(let error) where error.isInvalidSpec:
            return .failed(.permanent("\(error)"))
        case .failure(let error):
            return .failed(.retryable("\(error)"))
        }
    }
}
