import ArgumentParser
import Common
import Foundation

@main
struct Tumble: ParsableCommand {
    /// Refuses a bad `TUMBLE_CORES` before any command runs (`Parallel.cores` would otherwise ignore it).
    static func main() {
        do { _ = try Parallel.coresSetting(ProcessInfo.processInfo.environment) } catch {
            FileHandle.standardError.write(Data("tumble: \(error)\n".utf8))
            Foundation.exit(2)
        }
        main(nil)
    }

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
