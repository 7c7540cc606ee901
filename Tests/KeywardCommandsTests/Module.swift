// KeywardCommandsTests: under construction.
