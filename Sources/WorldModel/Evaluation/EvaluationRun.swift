import Common
import Foundation
import Physics

/// `tumble eval` and `tumble eval --verify` without the argument parsing: the command wires in the
/// real checkpoint loader and dataset reader, tests wire in doubles.
public enum EvaluationRun {
    /// Loads a checkpoint; throws a clear error for a truncated file or another architecture.
    public typealias ModelLoader = (URL) throws -> EvaluableModel
    /// Opens a dataset directory; throws for a wrong format version or a bad manifest.
    public typealias DataOpener = (URL) throws -> EpisodeSource

    /// Evaluates and, when `request.json` is set, writes the report atomically. Every check that can
    /// fail (output directory, checkpoint, dataset, compatibility, seed overlap) runs before any frame
    /// is encoded, and nothing is written unless the whole evaluation succeeds.
    public static func run(_ request: EvaluationRequest, tumbleVersion: String,
                           loadModel: ModelLoader, openData: DataOpener,
                           progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationReport {
        var request = request
        let here = InputLocations.currentDirectory
        if let json = request.json {
            let out = URL(fileURLWithPath: json).standardizedFileURL
            try checkWritable(out)
            let checkpoint = URL(fileURLWithPath: request.checkpoint).standardizedFileURL
            let data = URL(fileURLWithPath: request.data, isDirectory: true).standardizedFileURL
            if out.path == checkpoint.path {
                throw EvaluationError.invalidArguments("--json \(json) would overwrite the checkpoint")
            }
            if request.live == nil && out.deletingLastPathComponent().path == data.path {
                throw EvaluationError.invalidArguments("--json \(json) would write into the dataset directory \(request.data)")
            }
            if request.workingDirectory == nil {
                request.workingDirectory = relativePath(from: out.deletingLastPathComponent(), to: here.base)
            }
        }
        let report = try produce(request, locations: here, tumbleVersion: tumbleVersion, loadModel: loadModel,
                                 openData: openData, progress: progress)
        if let json = request.json {
            try AtomicFile.write(Data(report.json().serialized().utf8), to: URL(fileURLWithPath: json))
        }
        return report
    }

    /// Throws unless a file can later be written at `url` (its directory exists and is writable); `option` names the
    /// flag that gave it.
    public static func checkWritable(_ url: URL, option: String = "--json") throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError.invalidArguments("\(option) \(url.path): directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw EvaluationError.invalidArguments("\(option) \(url.path): directory \(directory) is not writable")
        }
    }

    /// The relative path from directory `base` to directory `target` ("." when equal), after
    /// resolving symbolic links in both.
    public static func relativePath(from base: URL, to target: URL) -> String {
        let b = base.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let t = target.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        var common = 0
        while common < b.count, common < t.count, b[common] == t[common] { common += 1 }
        let parts = Array(repeating: "..", count: b.count - common) + t[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    static func produce(_ request: EvaluationRequest, locations: InputLocations, tumbleVersion: String,
                        loadModel: ModelLoader, openData: DataOpener,
                        progress: ((Int, Int) -> Void)?) throws -> EvaluationReport {
        if request.horizon < 1 {
            throw EvaluationError.invalidArguments("--horizon must be at least 1, got \(request.horizon)")
        }
        let checkpointURL = try locations.existing(request.checkpoint, field: "checkpoint", directory: false)
        let source = try episodes(request, locations: locations, openData: openData)
        let checkpointSHA = try FileDigest.sha256(of: checkpointURL)
        let model = try loadModel(checkpointURL)
        try EvaluationMemory.check(model: model, source: source, options: EvaluationOptions(horizon: request.horizon))
        let evaluator = Evaluator(model: model, options: EvaluationOptions(horizon: request.horizon,
                                                                           untrainedSeeds: (0..<UInt64(request.untrained)).map { $0 + 1 }))
        let name = request.live.map { "scene \($0.scene) (seed \($0.seed))" } ?? request.data
        let result = try evaluator.evaluate(source, name: name, progress: progress)
        return EvaluationReport(request: request, checkpointSHA256: checkpointSHA,
                                datasetManifestSHA256: source.manifestSHA256, tumbleVersion: tumbleVersion,
                                model: model.reportMetadata, result: result)
    }

    /// Reads a report, checks that the checkpoint and manifest still hash the same, re-runs its command
    /// (without writing anything) and compares every number. Throws `.verificationFailed` listing each
    /// difference; returns the outcome (counts of identical and within-tolerance numbers) on success.
    public static func verify(report url: URL, tumbleVersion: String,
                              loadModel: ModelLoader, openData: DataOpener,
                              tolerance: Double = EvaluationReport.verifyTolerance,
                              progress: ((Int, Int) -> Void)? = nil) throws -> ReportVerifier.Outcome {
        let file = url.path
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw EvaluationError.invalidReport(file: file, field: "(file)", expected: "cannot be read")
        }
        let stored: JSONValue
        do { stored = try JSONValue.parse(bytes) } catch {
            throw EvaluationError.invalidReport(file: file, field: "(file)", expected: "is not valid JSON: \(error)")
        }
        let request = try Self.request(from: stored, file: file)
        guard let storedCheckpoint = stored["checkpoint_sha256"]?.stringValue,
              let storedManifest = stored["dataset_manifest_sha256"]?.stringValue else {
            throw EvaluationError.invalidReport(file: file, field: "checkpoint_sha256/dataset_manifest_sha256",
                                                expected: "missing; expected SHA-256 hex strings")
        }

        // Cheap checks first: a missing or changed file makes every number moot.
        let locations = InputLocations.forReport(url, request: request)
        let checkpointURL = try locations.existing(request.checkpoint, field: "checkpoint", directory: false)
        var differences: [String] = []
        let checkpointNow = try FileDigest.sha256(of: checkpointURL)
        if checkpointNow != storedCheckpoint {
            differences.append("checkpoint_sha256: report \(storedCheckpoint), \(request.checkpoint) now \(checkpointNow): the checkpoint changed")
        }
        let manifestNow = try episodes(request, locations: locations, openData: openData).manifestSHA256
        if manifestNow != storedManifest {
            let what = request.live.map { "scene \($0.scene) now \(manifestNow): the scene changed" }
                ?? "\(request.data) now \(manifestNow): the dataset changed"
            differences.append("dataset_manifest_sha256: report \(storedManifest), \(what)")
        }
        if !differences.isEmpty { throw EvaluationError.verificationFailed(file: file, differences: differences) }

        let rerun = try produce(request, locations: locations, tumbleVersion: tumbleVersion, loadModel: loadModel,
                                openData: openData, progress: progress)
        let outcome = ReportVerifier(tolerance: tolerance).compare(stored: stored, rerun: rerun.json())
        if !outcome.differences.isEmpty {
            throw EvaluationError.verificationFailed(file: file, differences: outcome.differences)
        }
        return outcome
    }

    /// The inputs a report was made from.
    /// The longest rollout a report may ask for (episodes are far shorter; the bound keeps hostile reports finite).
    static let maximumHorizon = 100_000

    static func request(from report: JSONValue, file: String) throws -> EvaluationRequest {
        guard let inputs = report["inputs"] else {
            throw EvaluationError.invalidReport(file: file, field: "inputs", expected: "missing; expected {checkpoint, data, horizon}")
        }
        guard let checkpoint = inputs["checkpoint"]?.stringValue else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.checkpoint", expected: "missing; expected a path")
        }
        let live = try Self.live(from: inputs, file: file)
        guard let data = inputs["data"]?.stringValue ?? (live == nil ? nil : "") else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.data", expected: "missing; expected a path (or inputs.scene)")
        }
        // Bounded before the conversion to Int, which traps above Int.max (a fuzzed report had 1.1e28).
        guard let horizon = inputs["horizon"]?.doubleValue, horizon >= 1, horizon <= Double(Self.maximumHorizon),
              horizon == horizon.rounded() else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.horizon",
                                                expected: "missing or out of range; expected a whole number 1…\(Self.maximumHorizon)")
        }
        var workingDirectory: String? = nil
        if let value = inputs["working_directory"] {
            guard let text = value.stringValue, !text.isEmpty else {
                throw EvaluationError.invalidReport(file: file, field: "inputs.working_directory",
                                                    expected: "is not a path; expected the directory the command ran in, relative to the report's directory")
            }
            workingDirectory = text
        }
        var request = EvaluationRequest(checkpoint: checkpoint, data: data, horizon: Int(horizon), json: inputs["json"]?.stringValue,
                                        workingDirectory: workingDirectory, live: live)
        if let value = inputs["untrained"] {
            guard let n = value.doubleValue, n >= 0, n <= 100, n == n.rounded() else {
                throw EvaluationError.invalidReport(file: file, field: "inputs.untrained", expected: "a whole number 0…100")
            }
            request.untrained = Int(n)
        }
        return request
    }

    /// `inputs.scene`, `episodes`, `steps`, `seed` of a report made on a live scene; nil for a dataset's.
    static func live(from inputs: JSONValue, file: String) throws -> EvaluationRequest.Live? {
        guard let scene = inputs["scene"]?.stringValue else { return nil }
        guard let episodes = inputs["episodes"]?.doubleValue, episodes >= 1, episodes == episodes.rounded(), episodes <= 1e9,
              let steps = inputs["steps"]?.doubleValue, steps >= 1, steps == steps.rounded(), steps <= 1e6,
              let seed = inputs["seed"]?.stringValue.flatMap({ UInt64($0) }) else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.episodes/steps/seed",
                                                expected: "whole numbers ≥ 1 and a seed in a string beside inputs.scene")
        }
        return EvaluationRequest.Live(scene: scene, episodes: Int(episodes), steps: Int(steps), seed: seed)
    }

    /// The episodes a request names: its dataset directory, or its live scene (a file resolved like the other
    /// inputs, else a shipped scene name).
    static func episodes(_ request: EvaluationRequest, locations: InputLocations, openData: DataOpener) throws -> EpisodeSource {
        guard let live = request.live else {
            return try openData(try locations.existing(request.data, field: "data", directory: true))
        }
        let file = locations.url(live.scene, directory: false)
        let scene: Scene
        do { scene = try Scene.load(FileManager.default.fileExists(atPath: file.path) ? file.path : live.scene) } catch {
            throw EvaluationError.invalidArguments("--scene \(live.scene): \(error)")
        }
        return try LiveEpisodes(scene: scene, seedBase: live.seed, episodes: live.episodes, steps: live.steps)
    }
}

/// Where a request's relative `checkpoint` and `data` paths point, and how that was decided (for the
/// error that names a missing input).
struct InputLocations {
    /// Absolute directory that relative paths resolve against.
    var base: URL
    /// Builds the error for an input that is not there: (field, path as given, where it was looked for).
    var missing: (String, String, URL) -> Error

    /// A fresh `tumble eval`: relative to the current directory; errors name the command-line flag.
    static var currentDirectory: InputLocations {
        InputLocations(base: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true).standardizedFileURL) {
            field, path, url in
            EvaluationError.invalidArguments("--\(field) \(path): \(field == "data" ? "no such directory" : "no such file") (\(url.path))")
        }
    }

    /// `--verify REPORT`: relative to the directory the report was made in, taken from (in order)
    /// `inputs.working_directory`; for older reports, the report's own path when it ends with the
    /// relative `inputs.json` it was written to; otherwise the current directory.
    static func forReport(_ report: URL, request: EvaluationRequest) -> InputLocations {
        let reportFile = report.standardizedFileURL
        let cwd = currentDirectory.base
        var base = cwd
        var how = "the report does not record its working directory, so relative paths resolve against the current directory \(cwd.path); run --verify from the directory the report was made in"
        if let wd = request.workingDirectory {
            base = (wd.hasPrefix("/") ? URL(fileURLWithPath: wd, isDirectory: true)
                    : reportFile.deletingLastPathComponent().appendingPathComponent(wd, isDirectory: true)).standardizedFileURL
            how = "relative paths resolve against \(base.path), the directory the report was made in (inputs.working_directory \"\(wd)\", relative to the report's directory)"
        } else if let json = request.json, !json.hasPrefix("/") {
            let written = json.split(separator: "/").map(String.init).filter { $0 != "." }
            let components = reportFile.pathComponents
            if !written.isEmpty, !written.contains(".."), components.count > written.count,
               Array(components.suffix(written.count)) == written {
                let prefix = components.dropLast(written.count).dropFirst()
                base = URL(fileURLWithPath: "/" + prefix.joined(separator: "/"), isDirectory: true).standardizedFileURL
                how = "relative paths resolve against \(base.path), the directory the report was written from (its inputs.json is \(json))"
            }
        }
        return InputLocations(base: base) { field, path, url in
            EvaluationError.invalidReport(file: report.path, field: "inputs.\(field)",
                                          expected: "names \(path), which does not exist at \(url.path): \(how)")
        }
    }

    /// The absolute URL of `path`.
    func url(_ path: String, directory: Bool) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path, isDirectory: directory)
         : base.appendingPathComponent(path, isDirectory: directory)).standardizedFileURL
    }

    /// The absolute URL of `path`, or the `missing` error when nothing of that kind is there.
    func existing(_ path: String, field: String, directory: Bool) throws -> URL {
        let u = url(path, directory: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: u.path, isDirectory: &isDirectory), isDirectory.boolValue == directory else {
            throw missing(field, path, u)
        }
        return u
    }
}
