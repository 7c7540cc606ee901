// KeywardCommands: under construction.
