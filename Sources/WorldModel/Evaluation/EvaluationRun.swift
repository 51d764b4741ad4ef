import Foundation

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
        if let json = request.json {
            let out = URL(fileURLWithPath: json).standardizedFileURL
            try checkWritable(out)
            let checkpoint = URL(fileURLWithPath: request.checkpoint).standardizedFileURL
            let data = URL(fileURLWithPath: request.data, isDirectory: true).standardizedFileURL
            if out.path == checkpoint.path {
                throw EvaluationError.invalidArguments("--json \(json) would overwrite the checkpoint")
            }
            if out.deletingLastPathComponent().path == data.path {
                throw EvaluationError.invalidArguments("--json \(json) would write into the dataset directory \(request.data)")
            }
        }
        let report = try produce(request, tumbleVersion: tumbleVersion, loadModel: loadModel,
                                 openData: openData, progress: progress)
        if let json = request.json {
            try AtomicFile.write(Data(report.json().serialized().utf8), to: URL(fileURLWithPath: json))
        }
        return report
    }

    /// Throws unless a file can later be written at `url` (its directory exists and is writable).
    static func checkWritable(_ url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError.invalidArguments("--json \(url.path): directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw EvaluationError.invalidArguments("--json \(url.path): directory \(directory) is not writable")
        }
    }

    static func produce(_ request: EvaluationRequest, tumbleVersion: String,
                        loadModel: ModelLoader, openData: DataOpener,
                        progress: ((Int, Int) -> Void)?) throws -> EvaluationReport {
        if request.horizon < 1 {
            throw EvaluationError.invalidArguments("--horizon must be at least 1, got \(request.horizon)")
        }
        let checkpointURL = URL(fileURLWithPath: request.checkpoint)
        let checkpointSHA = try FileDigest.sha256(of: checkpointURL)
        let model = try loadModel(checkpointURL)
        let source = try openData(URL(fileURLWithPath: request.data, isDirectory: true))
        let evaluator = Evaluator(model: model, options: EvaluationOptions(horizon: request.horizon))
        let result = try evaluator.evaluate(source, name: request.data, progress: progress)
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

        // Cheap checks first: a changed file makes every number moot.
        var differences: [String] = []
        let checkpointNow = try FileDigest.sha256(of: URL(fileURLWithPath: request.checkpoint))
        if checkpointNow != storedCheckpoint {
            differences.append("checkpoint_sha256: report \(storedCheckpoint), \(request.checkpoint) now \(checkpointNow): the checkpoint changed")
        }
        let manifestNow = try openData(URL(fileURLWithPath: request.data, isDirectory: true)).manifestSHA256
        if manifestNow != storedManifest {
            differences.append("dataset_manifest_sha256: report \(storedManifest), \(request.data) now \(manifestNow): the dataset changed")
        }
        if !differences.isEmpty { throw EvaluationError.verificationFailed(file: file, differences: differences) }

        let rerun = try produce(request, tumbleVersion: tumbleVersion, loadModel: loadModel,
                                openData: openData, progress: progress)
        let outcome = ReportVerifier(tolerance: tolerance).compare(stored: stored, rerun: rerun.json())
        if !outcome.differences.isEmpty {
            throw EvaluationError.verificationFailed(file: file, differences: outcome.differences)
        }
        return outcome
    }

    /// The inputs a report was made from.
    static func request(from report: JSONValue, file: String) throws -> EvaluationRequest {
        guard let inputs = report["inputs"] else {
            throw EvaluationError.invalidReport(file: file, field: "inputs", expected: "missing; expected {checkpoint, data, horizon}")
        }
        guard let checkpoint = inputs["checkpoint"]?.stringValue else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.checkpoint", expected: "missing; expected a path")
        }
        guard let data = inputs["data"]?.stringValue else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.data", expected: "missing; expected a path")
        }
        guard let horizon = inputs["horizon"]?.doubleValue, horizon >= 1, horizon == horizon.rounded() else {
            throw EvaluationError.invalidReport(file: file, field: "inputs.horizon", expected: "missing; expected a whole number ≥ 1")
        }
        return EvaluationRequest(checkpoint: checkpoint, data: data, horizon: Int(horizon), json: inputs["json"]?.stringValue)
    }
}
