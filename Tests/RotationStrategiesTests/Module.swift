// RotationStrategiesTests: under construction.
