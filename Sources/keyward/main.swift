import KeywardCommands

await KeywardCommand.main()
