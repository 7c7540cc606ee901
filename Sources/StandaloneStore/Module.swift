// StandaloneStore: under construction.
