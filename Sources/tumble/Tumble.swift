import ArgumentParser

@main
struct Tumble: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tumble",
        abstract: "A world-model physics sandbox: simulate, record, learn, show.",
        version: TumbleVersion.string,
        subcommands: [
            ScenesCommand.self,
            RecordCommand.self,
            BenchCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            ViewCommand.self,
            PlanCommand.self,
        ]
    )
}

enum TumbleVersion {
    static let string = "0.1.0"
}
