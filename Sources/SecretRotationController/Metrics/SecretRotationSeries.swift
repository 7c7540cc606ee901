/// What one SecretRotation has series under: its rotation outcomes, whether it has a last-rotation timestamp, and
/// the phases reported for it.
struct SecretRotationSeries {
    /// A finished rotation's labels besides the object's.
    struct Outcome: Hashable {
        var strategy: String
        var result: String
    }

    var outcomes: Set<Outcome> = []
    var hasLastRotation = false
    var phases: Set<String> = []
}
