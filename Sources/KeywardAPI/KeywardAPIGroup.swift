/// The API group every Keyward custom resource lives in.
public enum KeywardAPIGroup {
    public static let name = "keyward.dev"
    public static let version = "v1alpha1"
    /// `kubectl get keyward` lists every Keyward resource.
    public static let category = "keyward"
    /// The value of `app.kubernetes.io/managed-by` on objects Keyward creates.
    public static let managerName = "keyward"
}
