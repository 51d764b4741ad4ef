import Common
import Foundation
import Physics
import WorldModel

/// `tumble plan` and `tumble plan --verify` without the argument parsing.
public enum PlanSession {
    /// Runs the request's episodes with the model planner and (unless switched off) the three baselines; writes the
    /// report atomically to `json` when given. `progress` hears (controller, episode done, episodes).
    public static func run(_ request: PlanRequest, json: String?, tumbleVersion: String,
                           progress: ((ControllerKind, Int, Int) -> Void)? = nil) throws -> PlanReport {
        var request = request
        if let problem = request.problem { throw PlanError.invalidArgument(problem) }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        if let json {
            let out = URL(fileURLWithPath: json).standardizedFileURL
            try EvaluationRun.checkWritable(out)
            let directory = out.deletingLastPathComponent()
            if request.workingDirectory == nil { request.workingDirectory = EvaluationRun.relativePath(from: directory, to: here) }
        }
        let report = try produce(request, base: here, tumbleVersion: tumbleVersion, progress: progress)
        if let json { try AtomicFile.write(Data(report.json().serialized().utf8), to: URL(fileURLWithPath: json)) }
        return report
    }

    static func produce(_ request: PlanRequest, base: URL, tumbleVersion: String,
                        progress: ((ControllerKind, Int, Int) -> Void)?) throws -> PlanReport {
        let checkpointURL = URL(fileURLWithPath: request.checkpoint, relativeTo: base).standardizedFileURL
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw PlanError.invalidArgument("--checkpoint \(request.checkpoint): no such file")
        }
        let model = try TrainedModel.load(checkpoint: checkpointURL)          // also for the baselines: its scene and resolution
        let scene = try Scene.load(request.scene)
        let task = try PushTask(scene: scene, angleTolerance: request.angleTolerance)
        let sceneSHA = FileDigest.sha256(Data(scene.source.utf8))
        guard model.info.sceneName == scene.name else {
            throw PlanError.modelMismatch("the checkpoint is a model of scene \(model.info.sceneName), not \(scene.name): plan with a model of the scene it acts in")
        }
        guard sceneSHA == model.info.sceneSHA256 else {
            throw PlanError.modelMismatch("the checkpoint was trained on another version of scene \(scene.name) (scene SHA-256 \(model.info.sceneSHA256.prefix(12))…, this one \(sceneSHA.prefix(12))…)")
        }
        let runner = try PlanRunner(task: task, resolution: model.info.height)
        let episodes = runner.episodes(base: request.seed, count: request.episodes)
        let used = model.trainingSeeds.overlap(with: episodes.map(\.seed))
        guard used.isEmpty else {
            throw PlanError.invalidArgument("--seed \(request.seed): \(used.count) of the \(episodes.count) episode seeds were used in training (first: \(used[0])); choose another seed base so the starts are held out")
        }
        let shape = [runner.stream.rasterizer.height, runner.stream.rasterizer.width, runner.stream.rasterizer.channels]
        let kinds = request.controllers
        var outcomes: [ControllerKind: [EpisodeOutcome]] = [:]
        for kind in kinds {
            let predictor: PathPredictor?
            switch kind {
            case .model: predictor = try LatentPaths(model: model, task: task, frameShape: shape)
            case .simulator: predictor = try SimulatorPaths(task: task)
            case .random, .scripted: predictor = nil
            }
            let controller = PushController(kind: kind, task: task, settings: request.planner, predictor: predictor)
            var results: [EpisodeOutcome] = []
            for (i, e) in episodes.enumerated() {
                results.append(try runner.run(controller, episode: e, budget: request.stepBudget))
                progress?(kind, i + 1, episodes.count)
            }
            outcomes[kind] = results
        }
        return PlanReport(request: request, tumbleVersion: tumbleVersion, checkpointSHA256: model.checkpointSHA256,
                          sceneSHA256: sceneSHA, modelScene: model.info.sceneName, modelStep: model.step, outcomes: outcomes)
    }

    /// Re-runs the report's inputs and compares every number but the wall-clock times (which are listed as notes).
    public static func verify(report url: URL, tumbleVersion: String, tolerance: Double,
                              progress: ((ControllerKind, Int, Int) -> Void)? = nil) throws -> ReportVerifier.Outcome {
        let file = url.path
        let stored: JSONValue
        do { stored = try JSONValue.parse(Data(contentsOf: url)) } catch let e as JSONValue.ParseError {
            throw PlanError.report(file, "\(e)")
        } catch { throw PlanError.report(file, "cannot be read: \(error.localizedDescription)") }
        let request = try PlanReportInputs.request(from: stored, file: file)
        let base = URL(fileURLWithPath: request.workingDirectory ?? ".", relativeTo: url.deletingLastPathComponent()).standardizedFileURL
        let checkpoint = URL(fileURLWithPath: request.checkpoint, relativeTo: base).standardizedFileURL
        let sha = try FileDigest.sha256(fileAt: checkpoint.path)
        guard sha == stored["checkpoint_sha256"]?.stringValue else {
            throw PlanError.report(file, "checkpoint_sha256 is \(stored["checkpoint_sha256"]?.stringValue ?? "missing"), but \(checkpoint.path) now hashes to \(sha)")
        }
        let rerun = try produce(request, base: base, tumbleVersion: tumbleVersion, progress: progress)
        var outcome = ReportVerifier(tolerance: tolerance).compare(stored: PlanReport.withoutTiming(stored),
                                                                    rerun: PlanReport.withoutTiming(rerun.json()))
        outcome.notes.append("ms_per_action is wall-clock time and is not verified (stored median \(stored["ms_per_action"]?["median"]?.doubleValue.map { String(format: "%.1f", $0) } ?? "—") ms, re-run \(rerun.summary(.model)?.msPerActionMedian.map { String(format: "%.1f", $0) } ?? "—") ms)")
        return outcome
    }
}
