/// Anything the rotation controller can ask for fresh secret material, uniformly.
///
/// Generators are plain option values: `validate()` lets an admission check reject a bad spec without drawing
/// randomness or doing expensive work (RSA, bcrypt); `generate()` validates again and produces new values.
public protocol SecretGenerator: Sendable {
    /// The Secret data keys every ``generate()`` result contains.
    var outputKeys: [String] { get }
    /// Throws ``GeneratorError/invalidOption(field:reason:)`` naming the offending field.
    func validate() throws(GeneratorError)
    func generate() throws(GeneratorError) -> GeneratedSecret
}
