// RotationStrategies: under construction.
