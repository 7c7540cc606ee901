import RotationStrategies

/// Where a SecretRotation is in its rotation state machine, persisted in `status.phase`. The phases, their
/// transition table and what each one guarantees are defined once, by the state machine that drives them
/// (RotationStrategies' ``Phase``).
public typealias RotationPhase = Phase
