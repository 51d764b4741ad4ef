import Common
import XCTest
@testable import WorldModel

/// `tumble eval` and `--verify` paths on doubles: report contents, determinism, refusals that leave
/// files untouched, and verification catching changed numbers and hashes.
final class EvalRunTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("checkpoint bytes".utf8).write(to: checkpoint)
        try Data("{\"format\": \"test manifest\"}\n".utf8).write(to: manifest)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    var checkpoint: URL { directory.appendingPathComponent("model.safetensors") }
    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var manifest: URL { dataDirectory.appendingPathComponent("manifest.json") }
    var reportURL: URL { directory.appendingPathComponent("report.json") }

    /// Held-out bouncing balls, each with an impossible twin (teleport or vanish from frame 12), so
    /// every report section is filled.
    var episodes: SyntheticEpisodes {
        let balls = bouncingEpisodes(episodes: 12, steps: 24, bodies: 2, seed: 11, firstSeed: 500)
        var data = SyntheticEpisodes(positions: [], seeds: [], collisions: [], violationFrame: [], pair: [], violationType: [])
        for p in 0..<12 {
            let kind = p % 2 == 0 ? "teleport" : "vanish"
            var twin = balls.positions[p]
            for t in 12..<24 { twin[t][0].0 += kind == "teleport" ? 2 : 40 }
            data.positions += [balls.positions[p], twin]
            data.seeds += [balls.seeds[p], balls.seeds[p]]
            data.collisions! += [balls.collisions![p], balls.collisions![p]]
            data.violationFrame! += [-1, 12]
            data.pair! += [Int64(p), Int64(p)]
            data.violationType! += [kind, kind]
        }
        return data
    }

    var model = OracleModel(bodies: 2)
    var sourceFailure: Error?

    func opener(batchSize: Int = 5) -> EvaluationRun.DataOpener {
        { [episodes, sourceFailure] url in
            var source = episodes.source(batchSize: batchSize, manifestSHA256: try FileDigest.sha256(of: url.appendingPathComponent("manifest.json")))
            source.failure = sourceFailure
            return source
        }
    }

    func loader() -> EvaluationRun.ModelLoader {
        { [model] url in
            let bytes = try Data(contentsOf: url)
            if bytes.starts(with: Data("truncated".utf8)) {
                throw EvaluationError.invalidArguments("\(url.path): truncated checkpoint")
            }
            return model
        }
    }

    var request: EvaluationRequest {
        EvaluationRequest(checkpoint: checkpoint.path, data: dataDirectory.path, horizon: 10, json: reportURL.path)
    }

    func evaluate(_ request: EvaluationRequest? = nil) throws -> EvaluationReport {
        try EvaluationRun.run(request ?? self.request, tumbleVersion: "test", loadModel: loader(), openData: opener())
    }

    func verify(tolerance: Double = EvaluationReport.verifyTolerance) throws -> ReportVerifier.Outcome {
        try EvaluationRun.verify(report: reportURL, tumbleVersion: "test", loadModel: loader(), openData: opener(batchSize: 7),
                                 tolerance: tolerance)
    }

    // MARK: - Contents

    func testReportHoldsEveryRequiredField() throws {
        _ = try evaluate()
        let json = try JSONValue.parse(Data(contentsOf: reportURL))
        XCTAssertEqual(json["checkpoint_sha256"]?.stringValue, try FileDigest.sha256(of: checkpoint))
        XCTAssertEqual(json["dataset_manifest_sha256"]?.stringValue, try FileDigest.sha256(of: manifest))
        XCTAssertEqual(json["tumble_version"]?.stringValue, "test")
        XCTAssertEqual(json["command"]?.stringValue,
                       "tumble eval --checkpoint \(checkpoint.path) --data \(dataDirectory.path) --json \(reportURL.path)")
        XCTAssertEqual(json["episodes"]?.doubleValue, 24)
        XCTAssertEqual(json["prediction_episodes"]?.doubleValue, 12)
        let steps = (1...10).map(String.init)
        for key in ["latent_error", "latent_error_copy_last"] {
            XCTAssertEqual(json[key].flatMap(Self.keys), steps, key)
        }
        let probe = try XCTUnwrap(json["probe"])
        XCTAssertEqual(probe["position_r2"]?.doubleValue, 1)
        let r2Interval = try XCTUnwrap(probe["position_r2_ci95"]?.arrayValue?.compactMap(\.doubleValue))
        XCTAssertEqual(r2Interval.count, 2)
        XCTAssertLessThanOrEqual(r2Interval[0], r2Interval[1])
        XCTAssertGreaterThan(r2Interval[0], 0.99)
        for key in ["position_error", "baseline_copy_last", "baseline_constant_velocity", "state_constant_velocity"] {
            XCTAssertEqual(probe[key].flatMap(Self.keys), steps, key)
            XCTAssertEqual(probe["collision"]?[key].flatMap(Self.keys), steps, key)
            XCTAssertEqual(probe["no_collision"]?[key].flatMap(Self.keys), steps, key)
        }
        XCTAssertEqual(json["hits_at_1"].flatMap(Self.keys), ["1", "5", "10"])
        XCTAssertEqual(json["mrr"].flatMap(Self.keys), ["1", "5", "10"])
        XCTAssertEqual(json["hits_pool_size"]?.doubleValue, 12)
        let surprise = try XCTUnwrap(json["surprise"])
        XCTAssertEqual(Self.keys(surprise), ["teleport", "vanish"])
        for type in ["teleport", "vanish"] {
            XCTAssertEqual(surprise[type]?["pairs"]?.doubleValue, 6)
            XCTAssertEqual(surprise[type]?["pairwise_accuracy"]?.doubleValue, 1)
            XCTAssertEqual(surprise[type]?["auroc"]?.doubleValue, 1)
            XCTAssertNotNil(surprise[type]?["pixel_baseline"]?.doubleValue)
            XCTAssertNotNil(surprise[type]?["mean_over_steps"]?["auroc"]?.doubleValue)
        }
    }

    func testTablePutsModelBesideBaselines() throws {
        let table = try evaluate().table()
        for text in ["latent error", "model rollout", "copy last latent", "probe position R² 1.000",
                     "baseline: copy last (probe)", "baseline: const. velocity (probe)",
                     "reference: const. velocity (states)", "body collides within the horizon",
                     "12 queries, pool of 12", "timing", "teleport", "vanish", "pixel acc"] {
            XCTAssertTrue(table.contains(text), "table lacks \"\(text)\":\n\(table)")
        }
        // Latent errors are shown in a unit that leaves significant digits, never as a row of zeros.
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("  model rollout") })
        XCTAssertTrue(row.dropFirst(20).contains { "123456789".contains($0) }, String(row))
    }

    func testSameInputsGiveIdenticalBytes() throws {
        _ = try evaluate()
        let first = try Data(contentsOf: reportURL)
        _ = try evaluate()
        XCTAssertEqual(first, try Data(contentsOf: reportURL))
    }

    // MARK: - Verify

    func testVerifyConfirmsAnUnchangedReport() throws {
        _ = try evaluate()
        let outcome = try verify()
        XCTAssertTrue(outcome.differences.isEmpty)
        XCTAssertGreaterThan(outcome.identical, 100)
        XCTAssertEqual(outcome.withinTolerance, 0)   // same binary, same data: bit-identical
    }

    func testVerifyDetectsAChangedNumber() throws {
        _ = try evaluate()
        var text = try String(contentsOf: reportURL, encoding: .utf8)
        let json = try JSONValue.parse(Data(text.utf8))
        let value = try XCTUnwrap(json["hits_at_1"]?["10"]?.doubleValue)
        let original = "\"hits_at_1\": {\n    \"1\": \(JSONValue.format(try XCTUnwrap(json["hits_at_1"]?["1"]?.doubleValue))),\n    \"5\": \(JSONValue.format(try XCTUnwrap(json["hits_at_1"]?["5"]?.doubleValue))),\n    \"10\": \(JSONValue.format(value))"
        XCTAssertTrue(text.contains(original), "layout changed:\n\(text)")
        text = text.replacingOccurrences(of: original, with: original.replacingOccurrences(of: "\"10\": \(JSONValue.format(value))", with: "\"10\": 0.99"))
        try Data(text.utf8).write(to: reportURL)
        XCTAssertThrowsError(try verify()) { error in
            guard case let .verificationFailed(_, differences) = error as? EvaluationError else { return XCTFail("\(error)") }
            XCTAssertEqual(differences, ["hits_at_1.10: report 0.99, re-run \(JSONValue.format(value)) (relative tolerance 0.0001)"])
        }
    }

    func testVerifyDetectsChangedCheckpointAndManifest() throws {
        _ = try evaluate()
        try Data("checkpoint bytes, retrained".utf8).write(to: checkpoint)
        try Data("{\"format\": \"test manifest\", \"re-recorded\": true}\n".utf8).write(to: manifest)
        XCTAssertThrowsError(try verify()) { error in
            guard case let .verificationFailed(_, differences) = error as? EvaluationError else { return XCTFail("\(error)") }
            XCTAssertEqual(differences.count, 2)
            XCTAssertTrue(differences[0].hasPrefix("checkpoint_sha256: report ") && differences[0].hasSuffix("the checkpoint changed"), differences[0])
            XCTAssertTrue(differences[1].hasSuffix("the dataset changed"), differences[1])
        }
    }

    func testVerifyRejectsAReportWithoutInputs() throws {
        try Data("{\"checkpoint_sha256\": \"00\"}".utf8).write(to: reportURL)
        XCTAssertThrowsError(try verify()) {
            XCTAssertEqual($0 as? EvaluationError, .invalidReport(file: reportURL.path, field: "inputs",
                                                                   expected: "missing; expected {checkpoint, data, horizon}"))
        }
        try Data("{not json".utf8).write(to: reportURL)
        XCTAssertThrowsError(try verify()) { XCTAssertTrue("\($0)".contains("is not valid JSON"), "\($0)") }
    }

    /// Found by fuzzing: a horizon beyond Int.max trapped in the conversion; now it is a named field error.
    func testVerifyRefusesAHorizonOutOfRange() throws {
        for horizon in ["11111111111111111111111111110", "1e300", "100001", "0", "2.5"] {
            try Data("{\"inputs\": {\"checkpoint\": \"c\", \"data\": \"d\", \"horizon\": \(horizon)}}".utf8).write(to: reportURL)
            XCTAssertThrowsError(try verify(), horizon) {
                guard case let .invalidReport(_, field, _)? = $0 as? EvaluationError else { return XCTFail("\($0)") }
                XCTAssertEqual(field, "inputs.horizon", horizon)
            }
        }
    }

    func testVerifierToleranceAppliesToModelNumbersOnly() {
        func report(latent: Double, pixel: Double, pairs: Double) -> JSONValue {
            .object([("latent_error", .object([("1", .number(latent))])),
                     ("surprise", .object([("vanish", .object([("pairs", .number(pairs)), ("pixel_baseline", .number(pixel))]))]))])
        }
        let verifier = ReportVerifier(tolerance: 1e-4)
        let stored = report(latent: 0.25, pixel: 0.8, pairs: 48)
        let close = verifier.compare(stored: stored, rerun: report(latent: 0.25 + 1e-9, pixel: 0.8, pairs: 48))
        XCTAssertEqual(close.differences, [])
        XCTAssertEqual(close.withinTolerance, 1)
        XCTAssertEqual(close.identical, 2)
        let far = verifier.compare(stored: stored, rerun: report(latent: 0.26, pixel: 0.8 + 1e-12, pairs: 47))
        XCTAssertEqual(far.differences, [
            "latent_error.1: report 0.25, re-run 0.26 (relative tolerance 0.0001)",
            "surprise.vanish.pairs: report 48, re-run 47 (must match exactly)",
            "surprise.vanish.pixel_baseline: report 0.8, re-run \(JSONValue.format(0.8 + 1e-12)) (must match exactly)",
        ])
        let missing = verifier.compare(stored: stored, rerun: .object([("latent_error", .object([("1", .number(0.25))]))]))
        XCTAssertEqual(missing.differences, ["(report).surprise: in the report, missing on re-run"])
    }

    /// The tolerance is relative (near zero: to a hundredth of the largest neighbour), so a 1 % change
    /// to a small number is caught, while rounding-level differences, near zero too, still pass.
    func testVerifierToleranceIsRelativeSoSmallNumbersAreChecked() {
        let verifier = ReportVerifier(tolerance: 1e-4)
        func curve(_ values: [Double]) -> JSONValue {
            .object([("latent_error", .object(values.enumerated().map { (String($0.offset + 1), .number($0.element)) }))])
        }
        let stored = curve([0.005, 0.0005, 0, -0.0036])
        let rounding = verifier.compare(stored: stored, rerun: curve([0.005 * (1 + 3e-6), 0.0005 * (1 - 5e-5), 4e-9, -0.0036 + 3e-7]))
        XCTAssertEqual(rounding.differences, [])
        XCTAssertEqual(rounding.withinTolerance, 4)
        let onePercent = verifier.compare(stored: stored, rerun: curve([0.00505, 0.000505, 2e-6, -0.0036]))
        XCTAssertEqual(onePercent.differences, [
            "latent_error.1: report 0.005, re-run \(JSONValue.format(0.00505)) (relative tolerance 0.0001)",
            "latent_error.2: report 0.0005, re-run \(JSONValue.format(0.000505)) (relative tolerance 0.0001)",
            "latent_error.3: report 0, re-run \(JSONValue.format(2e-6)) (relative tolerance 0.0001)",
        ])
        // The old rule (|a − b| ≤ tol · (1 + |a|)) let the first three through.
        XCTAssertTrue(abs(0.00505 - 0.005) <= 1e-4 * (1 + 0.005))
        // Tolerance 0: model numbers must match bit for bit.
        XCTAssertEqual(ReportVerifier(tolerance: 0).compare(stored: stored, rerun: curve([0.005, 0.0005, 1e-300, -0.0036])).differences.count, 1)
    }

    func testRewordedDefinitionsAreNotesNotDifferences() throws {
        _ = try evaluate()
        var text = try String(contentsOf: reportURL, encoding: .utf8)
        let json = try JSONValue.parse(Data(text.utf8))
        let wording = try XCTUnwrap(json["definitions"]?["verify"]?.stringValue)
        text = text.replacingOccurrences(of: wording, with: "an older wording")
        try Data(text.utf8).write(to: reportURL)
        let outcome = try verify()
        XCTAssertEqual(outcome.notes, ["definitions.verify is worded differently in this version of tumble (the numbers are compared, not their descriptions)"])
    }

    // MARK: - Relative paths

    /// Runs `body` with the process's current directory set to `path` (restored afterwards).
    func inDirectory<T>(_ path: URL, _ body: () throws -> T) rethrows -> T {
        let saved = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(path.path))
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        return try body()
    }

    func verify(_ report: URL) throws -> ReportVerifier.Outcome {
        try EvaluationRun.verify(report: report, tumbleVersion: "test", loadModel: loader(), openData: opener(batchSize: 7))
    }

    /// A report made with relative paths records where it ran (relative to itself) and verifies from
    /// any directory, also after the report and its inputs move together.
    func testVerifyResolvesRelativePathsAgainstTheReportsWorkingDirectory() throws {
        let reports = directory.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        try inDirectory(directory) {
            _ = try EvaluationRun.run(EvaluationRequest(checkpoint: "model.safetensors", data: "data", json: "reports/r.json"),
                                      tumbleVersion: "test", loadModel: loader(), openData: opener())
        }
        let report = reports.appendingPathComponent("r.json")
        let inputs = try XCTUnwrap(JSONValue.parse(Data(contentsOf: report))["inputs"])
        XCTAssertEqual(inputs["working_directory"]?.stringValue, "..")
        XCTAssertEqual(inputs["checkpoint"]?.stringValue, "model.safetensors")

        let elsewhere = FileManager.default.temporaryDirectory
        XCTAssertEqual(try inDirectory(elsewhere) { try verify(report) }.differences, [])
        XCTAssertEqual(try inDirectory(reports) { try verify(URL(fileURLWithPath: "r.json")) }.differences, [])

        let moved = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-eval-moved-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: moved) }
        try FileManager.default.moveItem(at: directory, to: moved)
        defer { try? FileManager.default.moveItem(at: moved, to: directory) }
        XCTAssertEqual(try inDirectory(elsewhere) { try verify(moved.appendingPathComponent("reports/r.json")) }.differences, [])
    }

    /// A missing input is named with where it was looked for, not a raw Cocoa error.
    func testVerifyNamesAMissingInput() throws {
        try inDirectory(directory) {
            _ = try EvaluationRun.run(EvaluationRequest(checkpoint: "model.safetensors", data: "data", json: "report.json"),
                                      tumbleVersion: "test", loadModel: loader(), openData: opener())
        }
        try FileManager.default.moveItem(at: checkpoint, to: directory.appendingPathComponent("renamed.safetensors"))
        XCTAssertThrowsError(try inDirectory(FileManager.default.temporaryDirectory) { try verify(reportURL) }) { error in
            guard case let .invalidReport(file, field, expected)? = error as? EvaluationError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, reportURL.path)
            XCTAssertEqual(field, "inputs.checkpoint")
            XCTAssertTrue(expected.hasPrefix("names model.safetensors, which does not exist at \(checkpoint.path): relative paths resolve against \(directory.path)"), expected)
        }
        try FileManager.default.moveItem(at: directory.appendingPathComponent("renamed.safetensors"), to: checkpoint)
        try FileManager.default.removeItem(at: dataDirectory)
        XCTAssertThrowsError(try verify(reportURL)) {
            XCTAssertTrue("\($0)".contains("`inputs.data` names data, which does not exist at \(dataDirectory.path)"), "\($0)")
        }
        // A fresh evaluation names the flag.
        XCTAssertThrowsError(try inDirectory(directory) {
            try EvaluationRun.run(EvaluationRequest(checkpoint: "nope.safetensors", data: "data"), tumbleVersion: "test",
                                  loadModel: loader(), openData: opener())
        }) {
            XCTAssertEqual("\($0)", "--checkpoint nope.safetensors: no such file (\(self.directory.appendingPathComponent("nope.safetensors").path))")
        }
    }

    /// Reports made before `working_directory` was recorded: the directory is recovered from the
    /// report's path and its relative `inputs.json`; without that, relative paths mean the current directory.
    func testVerifyOfAnOlderReportWithoutWorkingDirectory() throws {
        try inDirectory(directory) {
            _ = try EvaluationRun.run(EvaluationRequest(checkpoint: "model.safetensors", data: "data", json: "report.json"),
                                      tumbleVersion: "test", loadModel: loader(), openData: opener())
        }
        let text = try String(contentsOf: reportURL, encoding: .utf8)
        let line = ",\n    \"working_directory\": \".\""
        XCTAssertTrue(text.contains(line), text)
        try Data(text.replacingOccurrences(of: line, with: "").utf8).write(to: reportURL)
        XCTAssertEqual(try inDirectory(FileManager.default.temporaryDirectory) { try verify(reportURL) }.differences, [])

        let renamed = directory.appendingPathComponent("old.json")
        try FileManager.default.moveItem(at: reportURL, to: renamed)
        XCTAssertThrowsError(try inDirectory(FileManager.default.temporaryDirectory) { try verify(renamed) }) {
            XCTAssertTrue("\($0)".contains("the report does not record its working directory"), "\($0)")
        }
        XCTAssertEqual(try inDirectory(directory) { try verify(renamed) }.differences, [])
    }

    // MARK: - Refusals leave files untouched

    func testSeedOverlapRefusedAndOldReportKept() throws {
        try Data("old report".utf8).write(to: reportURL)
        model.trainingSeeds = [503, 77]
        XCTAssertThrowsError(try evaluate()) {
            XCTAssertEqual($0 as? EvaluationError, .seedOverlap(dataset: dataDirectory.path, overlapping: 2, examples: [503, 503]))
        }
        XCTAssertEqual(try String(contentsOf: reportURL, encoding: .utf8), "old report")
        XCTAssertEqual(model.encodedFrames, 0)
    }

    func testCorruptShardStopsBeforeAnyWork() throws {
        sourceFailure = EvaluationError.malformedBatch(batch: 0, field: "sha256", expected: "manifest checksum", found: "a different one")
        XCTAssertThrowsError(try evaluate()) { XCTAssertEqual($0 as? EvaluationError, self.sourceFailure as? EvaluationError) }
        XCTAssertEqual(model.encodedFrames, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reportURL.path))
    }

    func testBadCheckpointAndOutputPathsAreRefused() throws {
        try Data("truncated checkpoint".utf8).write(to: checkpoint)
        XCTAssertThrowsError(try evaluate()) { XCTAssertTrue("\($0)".contains("truncated checkpoint"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: reportURL.path))

        var r = request
        r.json = checkpoint.path
        XCTAssertThrowsError(try evaluate(r)) { XCTAssertTrue("\($0)".contains("would overwrite the checkpoint"), "\($0)") }
        r.json = dataDirectory.appendingPathComponent("report.json").path
        XCTAssertThrowsError(try evaluate(r)) { XCTAssertTrue("\($0)".contains("into the dataset directory"), "\($0)") }
        r.json = directory.appendingPathComponent("missing/report.json").path
        XCTAssertThrowsError(try evaluate(r)) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
        XCTAssertEqual(try Data(contentsOf: checkpoint), Data("truncated checkpoint".utf8))

        r = request
        r.checkpoint = directory.appendingPathComponent("nope.safetensors").path
        XCTAssertThrowsError(try evaluate(r)) { XCTAssertTrue("\($0)".contains("nope.safetensors"), "\($0)") }
    }

    func testShortHorizonReportsOnlyItsSteps() throws {
        var r = request
        r.horizon = 3
        let json = try evaluate(r).json()
        XCTAssertEqual(json["latent_error"].flatMap(Self.keys), ["1", "2", "3"])
        XCTAssertEqual(json["hits_at_1"].flatMap(Self.keys), ["1"])
        XCTAssertTrue(json["command"]?.stringValue?.contains("--horizon 3") ?? false)
    }

    func testUntrainedInitialisationsAreRecordedAndReRunByVerify() throws {
        let seen = OracleModel(bodies: 2)
        seen.untrainedFactory = { seed in let m = OracleModel(bodies: 2); m.gain = Float(seed) * 0.3; return m }
        model = seen
        var r = request
        r.untrained = 3
        XCTAssertTrue(r.command.hasSuffix("--untrained 3 --json \(reportURL.path)"), r.command)
        let report = try evaluate(r)
        XCTAssertEqual(seen.untrainedRequests, [1, 2, 3])
        XCTAssertEqual(report.result.surprise.first?.untrained?.initialisations, 3)
        let stored = try JSONValue.parse(Data(contentsOf: reportURL))
        XCTAssertEqual(stored["inputs"]?["untrained"], .number(3))
        XCTAssertEqual(stored["untrained_seeds"], .array(["1", "2", "3"].map(JSONValue.string)))
        // --verify asks for the same three initialisations again and finds every number.
        let outcome = try verify()
        XCTAssertTrue(outcome.differences.isEmpty)
        XCTAssertEqual(seen.untrainedRequests, [1, 2, 3, 1, 2, 3])
        // The default (5) is left out of the command.
        XCTAssertFalse(request.command.contains("--untrained"))
    }

    func testCommandIsShellQuoted() {
        let r = EvaluationRequest(checkpoint: "runs/my run/last.safetensors", data: "data/it's", horizon: 5, json: "out.json")
        XCTAssertEqual(r.command, "tumble eval --checkpoint 'runs/my run/last.safetensors' --data 'data/it'\\''s' --horizon 5 --json out.json")
    }

    static func keys(_ v: JSONValue) -> [String]? {
        if case let .object(pairs) = v { return pairs.map(\.0) }
        return nil
    }
}
