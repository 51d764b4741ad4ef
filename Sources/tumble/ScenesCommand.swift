import ArgumentParser
import Foundation
import Physics

/// `tumble scenes`: list the shipped scenes, or validate scene files (exit status 1 if any is bad).
struct ScenesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenes",
        abstract: "List the shipped scenes, or validate scene files.",
        discussion: "Without arguments, lists the scenes built into tumble. With FILEs (paths or shipped names), parses and "
            + "fully validates each and prints OK or the error (file:line: field: what was expected).")

    @Argument(help: "Scene files to validate.")
    var files: [String] = []

    func run() throws {
        if files.isEmpty {
            print(Self.table(try Scene.shippedNames.map { try Scene.load($0) }))
            return
        }
        var failures = 0
        for file in files {
            do {
                let scene = try Scene.load(file)
                print("OK    \(file)  (\(scene.name): \(Self.bodies(scene)) bodies, \(Self.hz(scene)) Hz)")
            } catch {
                failures += 1
                print("FAIL  \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Dynamic bodies per episode: `8`, or `7-10` when counts vary.
    static func bodies(_ s: Scene) -> String {
        let dynamic = s.bodies.filter { $0.type == .dynamic }
        let lo = dynamic.map(\.count.lower).reduce(0, +) + s.chains.map(\.links.lower).reduce(0, +)
        let hi = dynamic.map(\.count.upper).reduce(0, +) + s.chains.map(\.links.upper).reduce(0, +)
        return lo == hi ? "\(hi)" : "\(lo)-\(hi)"
    }

    static func hz(_ s: Scene) -> String {
        let hz = s.observedHz
        return abs(hz - hz.rounded()) < 1e-3 ? String(Int(hz.rounded())) : String(format: "%.1f", hz)
    }

    static func table(_ scenes: [Scene]) -> String {
        let header = ["scene", "bodies", "Hz", "actor", "violations", "description"]
        let rows = scenes.map { s in
            [s.name, bodies(s), hz(s), s.actor.map { "\($0.body) (2-D force)" } ?? "-",
             s.violations.isEmpty ? "-" : s.violations.map(\.rawValue).joined(separator: ","), s.description]
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
