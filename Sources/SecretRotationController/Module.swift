// SecretRotationController: under construction.
