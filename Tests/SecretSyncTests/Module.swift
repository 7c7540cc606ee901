// SecretSyncTests: under construction.
