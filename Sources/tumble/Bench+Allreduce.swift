import Foundation
import Physics
import WorldModel

extension BenchSuite {
    /// The gradient allreduce of data-parallel training between 2 ranks on this machine.
    static var allreduce: BenchSuite { BenchSuite(name: "allreduce", run: AllreduceBench.run) }
}

/// The gradient exchange `tumble train` runs each step (its two allreduces, `GradientExchange`), for the shipped and the reference
/// configs on bounce. Outside MPI the suite starts `mpirun -np 2` on this binary (`tumble bench --only allreduce`),
/// which measures under MPI and prints its figures as JSON for this process to report.
enum AllreduceBench {
    static let ranks = 2
    static let rounds = 200

    static func run() throws -> [BenchFigure] {
        guard let mpirun = findExecutable("mpirun") else {
            throw BenchFailure(message: "bench allreduce: mpirun not found on PATH (Debian's openmpi-bin; scripts/install installs it)")
        }
        let process = Process()
        process.executableURL = mpirun
        var arguments = ["-np", String(ranks), "--oversubscribe"]
        if getuid() == 0 { arguments.append("--allow-run-as-root") }
        process.arguments = arguments + [Bundle.main.executablePath ?? CommandLine.arguments[0], "bench", "--only", "allreduce", "--json"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw BenchFailure(message: "bench allreduce: `mpirun \(process.arguments!.joined(separator: " "))` failed (status \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return flatten(object).compactMap { key, value in units[key].map { BenchFigure(key: key, value: value, unit: $0) } }.sorted { $0.key < $1.key }
    }

    static let units: [String: String] = [
        "allreduce_gb_per_s": "GB/s, 2 local ranks, the reference config's step exchange (bytes / time per exchange)",
        "allreduce_ms.default": "ms per step's gradient exchange (both allreduces), shipped config (2 local ranks)",
        "allreduce_ms.reference": "ms per step's gradient exchange (both allreduces), reference config (2 local ranks)",
        "allreduce_bytes.default": "bytes each rank sends per step, shipped config",
        "allreduce_bytes.reference": "bytes each rank sends per step, reference config",
        "allreduce_heads_bytes.default": "of those, the probe's and decoder's, summed while the main backward runs, shipped config",
        "allreduce_heads_bytes.reference": "of those, the probe's and decoder's, summed while the main backward runs, reference config",
    ]

    /// Under mpirun: times `rounds` of each config's step exchange, both buckets (after a warm-up); rank 0's figures.
    static func measure(_ ranks: Ranks) throws -> [BenchFigure] {
        let data = try DataDescription(scene: Scene.load("bounce"))
        var figures: [BenchFigure] = []
        for (name, file) in [("default", "Assets/default-config.yaml"), ("reference", "Assets/reference-config.yaml")] {
            guard let url = shippedAsset(file) else {
                throw ValidationErrorPassthrough(message: "tumble bench --only allreduce needs \(file) from the checkout; run it from there")
            }
            let (bytes, headsBytes, seconds) = try timeGradientExchange(config: TrainingConfig(contentsOf: url), data: data, ranks: ranks, rounds: rounds)
            figures.append(BenchFigure(key: "allreduce_bytes.\(name)", value: Double(bytes), unit: units["allreduce_bytes.\(name)"]!))
            figures.append(BenchFigure(key: "allreduce_heads_bytes.\(name)", value: Double(headsBytes), unit: units["allreduce_heads_bytes.\(name)"]!))
            figures.append(BenchFigure(key: "allreduce_ms.\(name)", value: seconds * 1000, unit: units["allreduce_ms.\(name)"]!))
            if name == "reference" {
                figures.append(BenchFigure(key: "allreduce_gb_per_s", value: Double(bytes) / seconds / 1e9, unit: units["allreduce_gb_per_s"]!))
            }
        }
        return figures
    }

    private static func flatten(_ object: [String: Any], prefix: String = "") -> [(String, Double)] {
        object.flatMap { key, value -> [(String, Double)] in
            if let nested = value as? [String: Any] { return flatten(nested, prefix: prefix + key + ".") }
            return (value as? Double).map { [(prefix + key, $0)] } ?? []
        }
    }

    private static func findExecutable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
