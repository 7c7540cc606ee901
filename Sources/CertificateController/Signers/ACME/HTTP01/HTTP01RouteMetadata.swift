import Crypto
import Foundation
import KeywardCore
import KeywardAPI
import KubernetesClient

/// Names and provenance of the routes the HTTP-01 solver creates: one per challenge, named from the challenge's
/// token alone (a restarted controller finds the same object), labelled like everything Keyward creates, annotated
/// with the Certificate and the token, and owned by the Certificate so they go with it.
enum HTTP01RouteMetadata {
    static let purposeAnnotation = "keyward.dev/purpose"
    static let purpose = "acme http-01 challenge"
    static let tokenAnnotation = "keyward.dev/acme-token"

    static func name(for challenge: ACMEChallengeTask) -> String {
        let digest = SHA256.hash(data: Data(challenge.token.utf8))
        return "keyward-http01-" + Hex.encode(digest.prefix(8))
    }

    static func metadata(for challenge: ACMEChallengeTask, context: ACMESolverContext) -> ObjectMeta {
        var meta = ObjectMeta(name: name(for: challenge), namespace: context.certificateNamespace,
                              labels: KeywardLabels.standard,
                              annotations: [KeywardAnnotations.certificateName: context.certificateName,
                                            purposeAnnotation: purpose, tokenAnnotation: challenge.token])
        if let uid = context.certificateUID {
            meta.ownerReferences = [OwnerReference(apiVersion: Certificate.apiVersion, kind: Certificate.kind,
                                                   name: context.certificateName, uid: uid)]
        }
        return meta
    }

    /// Whether `meta` is the route this solver made for this challenge (anything else is never deleted).
    static func isOurs(_ meta: ObjectMeta, challenge: ACMEChallengeTask, context: ACMESolverContext) -> Bool {
        meta.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && meta.annotations[purposeAnnotation] == purpose
            && meta.annotations[tokenAnnotation] == challenge.token
            && meta.annotations[KeywardAnnotations.certificateName] == context.certificateName
    }
}
