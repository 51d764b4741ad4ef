import ArgumentParser

@main
struct Tumble: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tumble",
        abstract: "A world-model physics sandbox: simulate, record, learn, show.",
        version: TumbleVersion.string,
        subcommands: [
            ScenesCommand.self,
            BenchCommand.self,
            ViewCommand.self,
        ]
    )
}

enum TumbleVersion {
    static let string = "0.1.0"
}
