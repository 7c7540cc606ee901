// SecretSync: under construction.
