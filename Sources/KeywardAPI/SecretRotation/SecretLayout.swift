import RotationStrategies

/// Names of the Secret keys each rotation strategy writes (docs/secret-rotation.md): RotationStrategies'
/// ``SecretLayoutNames``, the one definition the state machine writes by and validation checks against.
public typealias SecretLayout = SecretLayoutNames
