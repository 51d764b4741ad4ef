import ArgumentParser
import Foundation
import WorldModel

/// One benchmark figure: a dotted key (`physics_steps_per_s.bounce`) and its value.
struct BenchFigure {
    var key: String
    var value: Double
    var unit: String
}

/// A group of figures owned by one module; each issue adds its suite to `BenchCommand.suites`.
struct BenchSuite {
    var name: String
    var run: () throws -> [BenchFigure]
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulation, rendering, recording and training speed (release build).")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Run only suites whose name contains this text.")
    var only: String?

    static var suites: [BenchSuite] { [.physics, .observation, .tensor, .training, .planning, .allreduce, .viewer] }

    func validate() throws {
        // A name that matches nothing used to exit 0 with no output, as if it had measured.
        if let only, !Self.suites.contains(where: { $0.name.contains(only) }) {
            throw ValidationError("--only \(only) matches no suite (suites: \(Self.suites.map(\.name).joined(separator: ", ")))")
        }
    }

    func run() throws {
        // Started by mpirun (the allreduce suite starts itself so): only the allreduce is measured, rank 0 reports.
        let ranks = try Ranks.launch()
        if ranks.usesMPI {
            let figures = try AllreduceBench.measure(ranks)
            if ranks.isLeader { print(Self.jsonObject(figures)) }
            ranks.finish()
            return
        }
        var figures: [BenchFigure] = []
        for suite in Self.suites where only.map({ suite.name.contains($0) }) ?? true {
            if !json { FileHandle.standardError.write("bench: \(suite.name)…\n".data(using: .utf8)!) }
            figures += try suite.run()
        }
        if json {
            print(Self.jsonObject(figures))
        } else {
            let width = figures.map(\.key.count).max() ?? 10
            for f in figures {
                let pad = String(repeating: " ", count: max(0, width - f.key.count))
                print("\(f.key)\(pad)  \(String(format: "%14.1f", f.value))  \(f.unit)")
            }
        }
    }

    /// Nests dotted keys into objects: `a.b = 1` → `{"a": {"b": 1}}`.
    static func jsonObject(_ figures: [BenchFigure]) -> String {
        var root: [String: Any] = [:]
        func insert(_ path: ArraySlice<Substring>, _ value: Double, into dict: inout [String: Any]) {
            let head = String(path.first!)
            if path.count == 1 { dict[head] = value; return }
            var child = dict[head] as? [String: Any] ?? [:]
            insert(path.dropFirst(), value, into: &child)
            dict[head] = child
        }
        for f in figures { insert(f.key.split(separator: ".")[...], f.value, into: &root) }
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
