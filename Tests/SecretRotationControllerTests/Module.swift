// SecretRotationControllerTests: under construction.
