import Foundation

/// Labels Keyward reads and writes. Labels (unlike annotations) are what list/watch selectors filter on, so only
/// short, selectable facts are labels.
public enum KeywardLabels {
    /// `app.kubernetes.io/managed-by: keyward` on every Secret and ConfigMap Keyward creates.
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = KeywardAPIGroup.managerName
    /// `keyward.dev/owned: "true"`: the selector the controllers watch Secrets through, so a cluster with thousands
    /// of unrelated Secrets costs the informer nothing. Together with the resource's provenance annotation it marks a
    /// Secret Keyward created; a Secret without both is only written with the owner's consent (``AdoptionConsent``).
    public static let owned = "keyward.dev/owned"
    public static let ownedValue = "true"
    /// The label selector matching every object Keyward owns.
    public static let ownedSelector = "\(owned)=\(ownedValue)"

    /// The labels stamped on every object Keyward creates.
    public static var standard: [String: String] { [managedBy: managedByValue, owned: ownedValue] }
}

/// Annotations Keyward reads (user triggers) and writes (provenance on Secrets, rollout triggers on workloads).
public enum KeywardAnnotations {
    // MARK: Triggers a user (or the `keyward` CLI) sets

    /// On a Certificate: request one issuance now, bypassing backoff and `failurePolicy: hold`. The value is a
    /// request id (the CLI writes an RFC 3339 timestamp); a value different from `status.lastRenewRequest` triggers
    /// one renewal, so re-applying the same manifest does not renew again.
    public static let renew = "keyward.dev/renew"
    /// On a Certificate: revoke the current certificate and issue a replacement with a new key. The value is the
    /// reason (``Certificate/RevocationReason``, e.g. `keyCompromise`). The controller removes the annotation once
    /// the revocation is recorded in `status.revokedCertificates`, so it acts exactly once.
    public static let revoke = "keyward.dev/revoke"
    /// On a SecretRotation: rotate now. Value = request id, compared with `status.lastRotateRequest`.
    public static let rotate = "keyward.dev/rotate"
    /// On a SecretRotation: roll back to the previous value (blue-green: flip back). Value = request id, compared
    /// with `status.lastRollbackRequest`.
    public static let rollback = "keyward.dev/rollback"

    // MARK: Consent an owner sets on a Secret Keyward did not create

    /// On a Secret: `<Kind>/<name>` (comma-separated for several) of the Certificate or SecretRotation in the same
    /// namespace allowed to take the Secret over (``AdoptionConsent``). Without it Keyward writes only Secrets it
    /// created.
    public static let allowAdoption = "keyward.dev/allow-adoption"
    /// On a workload: `SecretRotation/<name>` entries (comma-separated) that may restart it although its pod template
    /// does not reference their Secret (it reads the Secret some other way).
    public static let allowRollout = "keyward.dev/allow-rollout"

    // MARK: Provenance Keyward writes on the Secrets it manages

    /// The Certificate a Secret belongs to.
    public static let certificateName = "keyward.dev/certificate-name"
    /// The issuer that signed the certificate in the Secret (``Certificate/IssuerReference/summary``).
    public static let issuer = "keyward.dev/issuer"
    /// The certificate's serial number (upper-case hex, as `status.serialNumber`).
    public static let serial = "keyward.dev/serial"
    /// The issuance revision (`status.revision`) the Secret holds.
    public static let revision = "keyward.dev/revision"
    /// The SecretRotation a Secret's rotated keys belong to.
    public static let secretRotationName = "keyward.dev/secretrotation-name"
    /// The rotation revision whose values a Secret holds.
    public static let rotationRevision = "keyward.dev/rotation-revision"

    // MARK: Rollout trigger Keyward writes on consumer pod templates

    /// The pod-template annotation Keyward sets on a consumer workload to roll it onto a new value of `secretName`.
    /// The value is the revision hash (`status.consumers.items[].revision`). Changing the pod template is exactly
    /// what `kubectl rollout restart` does; one key per Secret lets a workload consume several rotated Secrets.
    ///
    /// Annotation names are at most 63 characters, so long Secret names are shortened to a prefix plus a stable
    /// 16-hex-digit FNV-1a hash of the full name.
    public static func podTemplateRevision(secretName: String) -> String {
        let prefix = "rotation.keyward.dev/"
        if secretName.utf8.count <= 63 { return prefix + secretName }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in secretName.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digest = String(hash, radix: 16).leftPadded(to: 16)
        var head = String(secretName.utf8.prefix(63 - 17)) ?? ""
        while let last = head.last, !(last.isLetter || last.isNumber) { head.removeLast() }
        return prefix + head + "-" + digest
    }
}

/// Finalizers Keyward adds.
public enum KeywardFinalizers {
    /// Added to a Certificate with `revokeOnDelete: true`: the controller revokes the current certificate (adds it
    /// to the issuing CA's CRL) before letting the Certificate go.
    public static let revokeOnDelete = "keyward.dev/revoke-on-delete"
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
