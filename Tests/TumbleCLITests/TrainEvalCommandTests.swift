import Foundation
import XCTest

/// `tumble train` and `tumble eval` end to end on a tiny model: the run directory, a checkpoint that
/// Python reads without Tumble, resume to the same bytes, and a report that `eval --verify` confirms
/// and that fails to verify once tampered with.
final class TrainEvalCommandTests: XCTestCase {
    /// A model small enough to train 6 steps in about a second (the layout of Tests/WorldModelTests' fixture).
    static let tinyConfig = """
        # A tiny model for end-to-end tests: every other key keeps its default.
        data: {clip_length: 5, batch_clips: 4}
        model:
          encoder: {channels: [8, 8], kernels: [4, 3], strides: [2, 1], pool: 1}
          predictor: {channels: 8, layers: 2}
        objective: {rollout_steps: 3}
        decoder: {channels: [8]}
        optim: {warmup_steps: 2, schedule_steps: 50}
        probe: {refit_batches: 2}
        train: {log_every: 2, checkpoint_every: 3}

        """

    /// One trained run and one held-out violation dataset, made once for the whole class.
    struct Fixture {
        var dir: URL
        var run: URL { dir.appendingPathComponent("RUN") }
        var checkpoint: URL { run.appendingPathComponent("checkpoints/last.safetensors") }
        var report: URL { dir.appendingPathComponent("report.json") }
    }

    nonisolated(unsafe) static var fixture: Result<Fixture, Error>?

    /// Trains `tumble train --scene bounce --out RUN --steps 6`, records held-out pairs with another seed and
    /// evaluates them into report.json (once; later calls return the same directory).
    func sharedFixture() throws -> Fixture {
        if let made = Self.fixture { return try made.get() }
        let result = Result { () throws -> Fixture in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-cli-train-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Self.tinyConfig.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
            let steps: [[String]] = [
                ["train", "--scene", "bounce", "--out", "RUN", "--config", "tiny.yaml", "--steps", "6", "--quiet"],
                ["record", "bounce", "--out", "heldout", "--episodes", "8", "--steps", "16", "--seed", "1000", "--violations"],
                ["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--data", "heldout", "--json", "report.json", "--quiet"],
            ]
            for args in steps {
                let r = try TumbleProcess.tumble(args, in: dir)
                guard r.status == 0 else {
                    throw CLIFailure(message: "tumble \(args.joined(separator: " ")) failed (exit \(r.status)):\n\(r.output)")
                }
            }
            return Fixture(dir: dir)
        }
        Self.fixture = result
        return try result.get()
    }

    override class func tearDown() {
        if case .success(let f)? = fixture { try? FileManager.default.removeItem(at: f.dir) }
        fixture = nil
        super.tearDown()
    }

    func testTrainWritesTheRunLayout() throws {
        let f = try sharedFixture()
        let fm = FileManager.default
        for name in ["run.json", "config.yaml", "metrics.csv", "train.log", "report.html", "checkpoints/step-3.safetensors",
                     "checkpoints/step-6.safetensors", "checkpoints/last.safetensors"] {
            XCTAssertTrue(fm.fileExists(atPath: f.run.appendingPathComponent(name).path), "RUN/\(name) missing")
        }
        let config = try String(contentsOf: f.run.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("channels: [8, 8]") && config.contains("steps: 6"), "resolved config:\n\(config)")
        XCTAssertTrue(config.contains("target: infomax"), "defaults are filled in:\n\(config)")
        let metrics = try String(contentsOf: f.run.appendingPathComponent("metrics.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try XCTUnwrap(metrics.first)
        for column in ["step", "loss", "latent_std_mean", "effective_rank", "frames_per_s"] {
            XCTAssertTrue(header.contains(column), "metrics.csv lacks \(column): \(header)")
        }
        XCTAssertEqual(metrics.dropFirst().map { $0[0] }, ["2", "4", "6"], "a row every train.log_every steps")
        let lossColumn = try XCTUnwrap(header.firstIndex(of: "loss"))
        for row in metrics.dropFirst() { XCTAssertTrue(Double(row[lossColumn])?.isFinite == true, "loss \(row)") }
        XCTAssertEqual(try Data(contentsOf: f.checkpoint),
                       try Data(contentsOf: f.run.appendingPathComponent("checkpoints/step-6.safetensors")),
                       "last.safetensors is the final step's checkpoint")
    }

    /// The 20-line NumPy reader in scripts/ loads the checkpoint without Tumble.
    func testCheckpointLoadsInPythonWithoutTumble() throws {
        try TumbleProcess.requireNumPy()
        let f = try sharedFixture()
        let reader = TumbleProcess.packageRoot.appendingPathComponent("scripts/safetensors_numpy_reader.py").path
        let r = try TumbleProcess.run(TumbleProcess.python!, [reader, f.checkpoint.path], in: f.dir)
        XCTAssertEqual(r.status, 0, r.output)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("encoder.0.weight float32 [8, 4, 4, 3] ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("encoder.1.weight float32 [8, 3, 3, 8] ") }, r.stdout)
        let metadata = try XCTUnwrap(lines.last { $0.hasPrefix("metadata ") })
        let meta = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(metadata.dropFirst("metadata ".count).utf8)) as? [String: String])
        XCTAssertEqual(meta["step"], "6")
        XCTAssertTrue(meta["config"]?.contains("channels: [8, 8]") == true, "config travels in __metadata__")
    }

    /// Python's own `safetensors` package loads the checkpoint and its metadata.
    func testCheckpointLoadsWithPythonSafetensors() throws {
        try TumbleProcess.requireNumPy()
        guard TumbleProcess.hasSafetensors else {
            throw XCTSkip("python3 has no safetensors module (pip install safetensors); the NumPy reader test covers the format")
        }
        let f = try sharedFixture()
        let st = try TumbleProcess.python("""
            import sys, numpy as np
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], "np") as f: meta = f.metadata()
            assert t["encoder.0.weight"].shape == (8, 4, 4, 3) and t["encoder.0.weight"].dtype == np.float32
            assert all(np.isfinite(v).all() for v in t.values() if v.dtype.kind == "f")
            assert meta["step"] == "6", meta
            print("safetensors ok", len(t))
            """, [f.checkpoint.path], in: f.dir)
        XCTAssertEqual(st.status, 0, st.output)
        XCTAssertTrue(st.stdout.contains("safetensors ok"), st.output)
    }

    /// A run stopped at step 3 and resumed to step 6 ends with the same checkpoint bytes as the uninterrupted run.
    /// The resume names only --out (run.json holds the data source), from another directory, and is
    /// refused when --scene names other data.
    func testResumeEndsByteIdenticalToAnUninterruptedRun() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("train-resume", for: self)
        try FileManager.default.copyItem(at: f.dir.appendingPathComponent("tiny.yaml"), to: dir.appendingPathComponent("tiny.yaml"))
        let first = try TumbleProcess.tumble(["train", "--scene", "bounce", "--out", "R", "--config", "tiny.yaml", "--steps", "3", "--quiet"], in: dir)
        XCTAssertSucceeded(first, "train to step 3")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("R/run.json"))) as? [String: Any]
        XCTAssertEqual(record?["kind"] as? String, "scene")
        XCTAssertEqual(record?["argument"] as? String, "bounce")
        let changed = try TumbleProcess.tumble(["train", "--out", "R", "--resume", "--steps", "6", "--set", "optim.lr=0.01"], in: dir)
        XCTAssertFailed(changed, "resume with another learning rate")
        XCTAssertTrue(changed.stderr.contains("optim.lr"), changed.output)
        let otherScene = try TumbleProcess.tumble(["train", "--scene", "push", "--out", "R", "--resume", "--steps", "6"], in: dir)
        XCTAssertFailed(otherScene, "resume on another scene")
        XCTAssertTrue(otherScene.stderr.contains("run.json: --resume refused: the run trains on --scene bounce, not --scene push"), otherScene.output)
        let elsewhere = try temporaryDirectory("train-resume-cwd", for: self)
        let run = dir.appendingPathComponent("R").path
        let resumed = try TumbleProcess.tumble(["train", "--out", run, "--resume", "--steps", "6", "--quiet"], in: elsewhere)
        XCTAssertSucceeded(resumed, "resume to step 6 with only --out, from another directory")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("R/checkpoints/last.safetensors")), try Data(contentsOf: f.checkpoint))
    }

    /// `model.encoder.instances` end to end on ramp: the masks to cut are chosen from the first batch and travel in the
    /// checkpoint, so a resumed run ends with the same bytes, and `tumble eval` rebuilds the same latent from it.
    func testInstanceMapsTrainResumeAndEvaluate() throws {
        let dir = try temporaryDirectory("train-instances", for: self)
        try """
            data: {clip_length: 5, batch_clips: 4}
            model:
              encoder: {channels: [8, 12], kernels: [1, 1], strides: [1, 1], pool: 4, colour_init: true, instances: 2}
              predictor: {channels: 8}
            objective: {rollout_steps: 3}
            decoder: {channels: [8, 8]}
            optim: {warmup_steps: 2, schedule_steps: 50}
            probe: {refit_batches: 2}
            train: {log_every: 2, checkpoint_every: 2}

            """.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let whole = try TumbleProcess.tumble(["train", "--scene", "ramp", "--out", "A", "--config", "tiny.yaml", "--steps", "4"], in: dir)
        XCTAssertSucceeded(whole, "train 4 steps")
        XCTAssertTrue(whole.output.contains("each cut into 2 maps, one per body in order of x"), whole.output)
        XCTAssertSucceeded(try TumbleProcess.tumble(["train", "--scene", "ramp", "--out", "B", "--config", "tiny.yaml", "--steps", "2", "--quiet"], in: dir), "train 2 steps")
        XCTAssertSucceeded(try TumbleProcess.tumble(["train", "--out", "B", "--resume", "--steps", "4", "--quiet"], in: dir), "resume to 4")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("B/checkpoints/last.safetensors")),
                       try Data(contentsOf: dir.appendingPathComponent("A/checkpoints/last.safetensors")))
        XCTAssertSucceeded(try TumbleProcess.tumble(["record", "ramp", "--out", "T", "--episodes", "4", "--steps", "12", "--seed", "5000"], in: dir), "record")
        let eval = try TumbleProcess.tumble(["eval", "--checkpoint", "A/checkpoints/last.safetensors", "--data", "T", "--json", "r.json", "--quiet"], in: dir)
        XCTAssertSucceeded(eval, "eval")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("r.json"))) as? [String: Any])
        let probe = try XCTUnwrap(report["probe"] as? [String: Any])
        XCTAssertNotNil(probe["position_r2"] as? Double)
    }

    /// A dataset run given by a relative --data resumes from elsewhere; a run without run.json (made by an
    /// older tumble) needs --data once and then records it; a damaged run.json is a named error.
    func testResumeOnARecordedDataset() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("train-resume-data", for: self)
        try FileManager.default.copyItem(at: f.dir.appendingPathComponent("tiny.yaml"), to: dir.appendingPathComponent("tiny.yaml"))
        for args in [["record", "bounce", "--out", "D", "--episodes", "4", "--steps", "12"],
                     ["train", "--data", "D", "--out", "R", "--config", "tiny.yaml", "--steps", "2", "--quiet"]] {
            XCTAssertSucceeded(try TumbleProcess.tumble(args, in: dir), "tumble \(args.joined(separator: " "))")
        }
        let recordURL = dir.appendingPathComponent("R/run.json")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        XCTAssertEqual(record["kind"] as? String, "dataset")
        XCTAssertEqual(record["path"] as? String, dir.appendingPathComponent("D").path)
        let elsewhere = try temporaryDirectory("train-resume-data-cwd", for: self)
        let run = dir.appendingPathComponent("R").path
        XCTAssertSucceeded(try TumbleProcess.tumble(["train", "--out", run, "--resume", "--steps", "3", "--quiet"], in: elsewhere), "resume on run.json's dataset")
        let otherData = try TumbleProcess.tumble(["train", "--data", "D2", "--out", "R", "--resume", "--steps", "4"], in: dir)
        XCTAssertFailed(otherData, "resume on another dataset")
        XCTAssertTrue(otherData.stderr.contains("the run trains on --data \(dir.appendingPathComponent("D").path), not --data \(dir.appendingPathComponent("D2").path)"), otherData.output)

        try FileManager.default.removeItem(at: recordURL)
        let unknown = try TumbleProcess.tumble(["train", "--out", "R", "--resume", "--steps", "4"], in: dir)
        XCTAssertFailed(unknown, "resume of a run without run.json and without --data")
        XCTAssertTrue(unknown.stderr.contains("run.json: not found (the run predates run.json): give its --scene or --data once with --resume"), unknown.output)
        XCTAssertSucceeded(try TumbleProcess.tumble(["train", "--data", "D", "--out", "R", "--resume", "--steps", "4", "--quiet"], in: dir), "resume with --data")
        let rewritten = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        XCTAssertEqual(rewritten["kind"] as? String, "dataset", "recorded once its data has trained the run")
        XCTAssertEqual(rewritten["path"] as? String, dir.appendingPathComponent("D").path)

        try Data("{\"format\": \"tumble-run\", \"ver".utf8).write(to: recordURL)
        let damaged = try TumbleProcess.tumble(["train", "--out", "R", "--resume", "--steps", "5"], in: dir)
        XCTAssertFailed(damaged, "resume with a damaged run.json")
        XCTAssertTrue(damaged.stderr.contains("run.json: is not a JSON object"), damaged.output)
    }

    /// report.html after a run: every chart, the collapse monitors, frame strips as embedded PNGs, and
    /// nothing fetched from elsewhere; `--report` rewrites the same bytes from the run's files.
    func testTrainWritesASelfContainedReportPage() throws {
        let f = try sharedFixture()
        let page = f.run.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        try assertWellFormedSelfContainedHTML(html)
        for text in ["Loss terms", "Collapse monitor: per-dimension latent std", "Collapse monitor: effective rank",
                     "latent_std_min", "effective_rank", "Actual vs decoded prediction", "Fresh episodes of scene bounce",
                     "none was used in training", "checkpoints/last.safetensors (step 6)"] {
            XCTAssertTrue(html.contains(text), "report.html lacks \(text)")
        }
        // 3 episodes × 10 steps × (actual, predicted, decoder only).
        XCTAssertEqual(html.components(separatedBy: "<img class=\"frame\"").count - 1, 90)
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 90)
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg ").count - 1, 5)

        let original = try Data(contentsOf: page)
        try FileManager.default.removeItem(at: page)
        let again = try TumbleProcess.tumble(["train", "--out", "RUN", "--report"], in: f.dir)
        XCTAssertSucceeded(again, "tumble train --out RUN --report")
        XCTAssertTrue(again.stdout.contains("wrote \(page.path)"), again.output)
        XCTAssertEqual(try Data(contentsOf: page), original, "the page is a function of the run's files")

        let bad = try TumbleProcess.tumble(["train", "--out", "RUN", "--report", "--steps", "3"], in: f.dir)
        XCTAssertFailed(bad, "--report with --steps")
        XCTAssertTrue(bad.stderr.contains("--report only reads the run in --out; it takes no --steps"), bad.output)
        let none = try TumbleProcess.tumble(["train", "--out", "nothing-here", "--report"], in: f.dir)
        XCTAssertFailed(none, "--report on a directory that holds no run")
        XCTAssertTrue(none.stderr.contains("--report needs a run directory with config.yaml"), none.output)
    }

    /// A run stopped by --minutes also ends with its page, frames included.
    func testRunStoppedByTimeWritesItsReport() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("train-minutes", for: self)
        try FileManager.default.copyItem(at: f.dir.appendingPathComponent("tiny.yaml"), to: dir.appendingPathComponent("tiny.yaml"))
        let r = try TumbleProcess.tumble(["train", "--scene", "bounce", "--out", "R", "--config", "tiny.yaml", "--minutes", "0.0001", "--quiet"], in: dir)
        XCTAssertSucceeded(r, "train for 6 ms")
        XCTAssertTrue(r.stdout.contains("stopped (time) at step 1"), r.output)
        XCTAssertTrue(r.stdout.contains("report: \(dir.appendingPathComponent("R/report.html").path)"), r.output)
        let html = try String(contentsOf: dir.appendingPathComponent("R/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("(step 1)"), "strips from the step-1 checkpoint")
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 90)
    }

    func testTrainRefusesBadConfigsAndOccupiedRunDirectories() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("train-bad", for: self)
        try "optim:\n  lr: -1\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try TumbleProcess.tumble(["train", "--scene", "bounce", "--out", "R", "--config", "bad.yaml"], in: dir)
        XCTAssertFailed(bad, "a negative learning rate")
        XCTAssertTrue(bad.stderr.contains("bad.yaml:2") && bad.stderr.contains("optim.lr"), bad.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("R").path), "no run directory on bad input")

        let before = try Data(contentsOf: f.checkpoint)
        let occupied = try TumbleProcess.tumble(["train", "--scene", "bounce", "--out", f.run.path, "--steps", "1"], in: dir)
        XCTAssertFailed(occupied, "training into an existing run without --resume")
        XCTAssertTrue(occupied.stderr.contains("not empty"), occupied.output)
        XCTAssertEqual(try Data(contentsOf: f.checkpoint), before, "the existing run is untouched")
    }

    func testEvalReportHasTheRequiredKeysAndHashes() throws {
        let f = try sharedFixture()
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f.report)) as? [String: Any])
        XCTAssertEqual(report["checkpoint_sha256"] as? String, try sha256(of: f.checkpoint))
        XCTAssertEqual(report["dataset_manifest_sha256"] as? String, try sha256(of: f.dir.appendingPathComponent("heldout/manifest.json")))
        XCTAssertEqual(report["tumble_version"] as? String,
                       try TumbleProcess.tumble(["--version"], in: f.dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        // The command to re-run, without presentation flags such as --quiet.
        XCTAssertEqual(report["command"] as? String,
                       "tumble eval --checkpoint RUN/checkpoints/last.safetensors --data heldout --json report.json")
        XCTAssertEqual(report["episodes"] as? Int, 8)
        let ks = (1...10).map(String.init)
        func assertCurve(_ value: Any?, _ name: String) {
            guard let curve = value as? [String: Double] else { return XCTFail("\(name) is not a k → number map: \(String(describing: value))") }
            XCTAssertEqual(curve.keys.sorted { Int($0)! < Int($1)! }, ks, name)
            XCTAssertTrue(curve.values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name): \(curve)")
        }
        assertCurve(report["latent_error"], "latent_error")
        let probe = try XCTUnwrap(report["probe"] as? [String: Any])
        XCTAssertTrue((probe["position_r2"] as? Double)?.isFinite == true, "probe.position_r2")
        let curves = ["position_error", "baseline_copy_last", "baseline_constant_velocity", "state_constant_velocity"]
        for split in [nil, "collision", "no_collision"] {
            let group = split.map { probe[$0] as? [String: Any] ?? [:] } ?? probe
            for c in curves { assertCurve(group[c], "probe.\(split.map { "\($0)." } ?? "")\(c)") }
        }
        for key in ["hits_at_1", "mrr"] {
            let m = try XCTUnwrap(report[key] as? [String: Double], key)
            XCTAssertEqual(Set(m.keys), ["1", "5", "10"], key)
            XCTAssertTrue(m.values.allSatisfy { (0...1).contains($0) }, "\(key): \(m)")
        }
        let surprise = try XCTUnwrap(report["surprise"] as? [String: [String: Any]])
        XCTAssertEqual(Set(surprise.keys), ["vanish", "teleport", "passThrough", "immutability"], "4 pairs: one of each type")
        for (type, s) in surprise {
            for key in ["pairwise_accuracy", "auroc", "pixel_baseline"] {
                XCTAssertNotNil((s[key] as? Double).map { (0...1).contains($0) }, "surprise.\(type).\(key)")
            }
            XCTAssertTrue((s["pairs"] as? Int ?? 0) >= 1, "surprise.\(type).pairs")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.dir.path).filter { $0.contains("report") }, ["report.json"],
                       "written atomically: no temporary file left")
    }

    /// `--clips` writes one CSV row per clip of a violation dataset: each clip's max column is the largest of its
    /// per-step surprises, and twins agree at every step before the violation (same frames, same history). Episodes
    /// without violations are refused before anything is evaluated, and nothing is written.
    func testEvalWritesEveryClipsSurprise() throws {
        let f = try sharedFixture()
        let out = try temporaryDirectory("clips", for: self)
        let csv = out.appendingPathComponent("clips.csv")
        let r = try TumbleProcess.tumble(["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--data", "heldout",
                                          "--untrained", "0", "--quiet", "--clips", csv.path], in: f.dir)
        XCTAssertEqual(r.status, 0, r.output)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        XCTAssertEqual(Array(header.prefix(7)), ["pair", "type", "violation_frame", "seed", "surprise_max", "surprise_mean", "pixel"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f.report)) as? [String: Any])
        XCTAssertEqual(lines.count - 1, report["episodes"] as? Int)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let firstStep = try XCTUnwrap(Int(header[7].dropFirst()))
        for (possible, impossible) in zip(stride(from: 0, to: rows.count, by: 2).map { rows[$0] },
                                          stride(from: 1, to: rows.count, by: 2).map { rows[$0] }) {
            XCTAssertEqual(possible[0], impossible[0], "twins are adjacent")
            XCTAssertEqual(possible[1], "possible")
            XCTAssertNotEqual(impossible[1], "possible")
            XCTAssertEqual(possible[3], impossible[3], "twins share their seed")
            for row in [possible, impossible] {
                let steps = row[7...].map { Double($0)! }
                XCTAssertEqual(steps.count, header.count - 7)
                XCTAssertEqual(Double(row[4])!, steps.max()!)
            }
            let frame = try XCTUnwrap(Int(impossible[2]))
            for t in firstStep..<frame {
                let a = Double(possible[7 + t - firstStep])!, b = Double(impossible[7 + t - firstStep])!
                XCTAssertEqual(a, b, accuracy: 1e-6 * max(abs(a), 1e-12), "pair \(possible[0]) step \(t)")
            }
        }
        // scripts/surprise_misses.py reads the CSV: its pairs not won, ties counting half, give the report's accuracies.
        let python = try XCTUnwrap(TumbleProcess.python, "python3 is needed for scripts/surprise_misses.py")
        let script = TumbleProcess.packageRoot.appendingPathComponent("scripts/surprise_misses.py").path
        let misses = try TumbleProcess.run(python, [script, csv.path], in: out)
        XCTAssertSucceeded(misses, "python3 scripts/surprise_misses.py")
        let surprise = try XCTUnwrap(report["surprise"] as? [String: [String: Any]])
        for line in misses.stdout.split(separator: "\n").dropFirst(2) {
            let cells = line.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " ")
                .split(separator: " ").map(String.init)
            let pairs = try XCTUnwrap(Double(cells[1])), lost = try XCTUnwrap(Double(cells[2])), ties = try XCTUnwrap(Double(cells[3]))
            let accuracy = try XCTUnwrap(surprise[cells[0]]?["pairwise_accuracy"] as? Double, cells[0])
            XCTAssertEqual(1 - (lost - ties / 2) / pairs, accuracy, accuracy: 1e-12, String(line))
        }
        XCTAssertEqual(misses.stdout.split(separator: "\n").count - 2, surprise.count, misses.stdout)
        let plain = try TumbleProcess.tumble(["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--scene", "bounce",
                                              "--seed", "5", "--clips", out.appendingPathComponent("x.csv").path], in: f.dir)
        XCTAssertFailed(plain, "--clips on episodes without violations")
        XCTAssertTrue(plain.stderr.contains("--clips needs a violation dataset"), plain.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("x.csv").path))
        let nowhere = try TumbleProcess.tumble(["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--data", "heldout",
                                                "--clips", out.appendingPathComponent("no/such/dir/x.csv").path], in: f.dir)
        XCTAssertFailed(nowhere, "--clips into a directory that does not exist")
        XCTAssertTrue(nowhere.stderr.contains("--clips") && nowhere.stderr.contains("does not exist"), nowhere.output)
    }

    /// A run stopped by a diverging loss still leaves its page (here before any checkpoint: curves only, and why).
    func testDivergedRunLeavesAPage() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("train-diverge", for: self)
        try FileManager.default.copyItem(at: f.dir.appendingPathComponent("tiny.yaml"), to: dir.appendingPathComponent("tiny.yaml"))
        let r = try TumbleProcess.tumble(["train", "--scene", "bounce", "--out", "R", "--config", "tiny.yaml", "--steps", "6",
                                          "--set", "train.max_loss=1e-12", "--quiet"], in: dir)
        XCTAssertFailed(r, "a loss above train.max_loss")
        XCTAssertTrue(r.stderr.contains("exceeded train.max_loss"), r.output)
        XCTAssertTrue(r.stderr.contains("report (up to the divergence): \(dir.appendingPathComponent("R/report.html").path)"), r.output)
        let html = try String(contentsOf: dir.appendingPathComponent("R/report.html"), encoding: .utf8)
        try assertWellFormedSelfContainedHTML(html)
        XCTAssertTrue(html.contains("No frame strips: the run has not saved a checkpoint yet"), html)
    }

    /// The report's relative paths resolve against the directory it was made in, so --verify works from
    /// anywhere; a missing input is named, not a raw Cocoa error.
    func testVerifyFromAnotherDirectory() throws {
        let f = try sharedFixture()
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f.report)) as? [String: Any])
        XCTAssertEqual((report["inputs"] as? [String: Any])?["working_directory"] as? String, ".")
        let elsewhere = try temporaryDirectory("verify-cwd", for: self)
        let ok = try TumbleProcess.tumble(["eval", "--verify", f.report.path, "--quiet"], in: elsewhere)
        XCTAssertSucceeded(ok, "verify from another directory")

        try FileManager.default.copyItem(at: f.report, to: elsewhere.appendingPathComponent("copied.json"))
        let missing = try TumbleProcess.tumble(["eval", "--verify", "copied.json", "--quiet"], in: elsewhere)
        XCTAssertFailed(missing, "verify a report whose inputs are not beside it")
        XCTAssertTrue(missing.stderr.contains("copied.json: `inputs.checkpoint` names RUN/checkpoints/last.safetensors, which does not exist at \(elsewhere.appendingPathComponent("RUN/checkpoints/last.safetensors").path)"), missing.output)
        XCTAssertFalse(missing.stderr.contains("NSCocoaErrorDomain"), missing.output)
    }

    func testVerifyPassesOnTheReportAndFailsOnceTamperedWith() throws {
        let f = try sharedFixture()
        let ok = try TumbleProcess.tumble(["eval", "--verify", "report.json", "--quiet"], in: f.dir)
        XCTAssertSucceeded(ok, "tumble eval --verify report.json")
        XCTAssertTrue(ok.stdout.contains("verified report.json"), ok.output)

        let original = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f.report)) as? [String: Any])
        var number = original
        var hits = try XCTUnwrap(number["hits_at_1"] as? [String: Double])
        hits["10"] = hits["10"]! < 0.5 ? 0.99 : 0.01
        number["hits_at_1"] = hits
        var hash = original
        hash["checkpoint_sha256"] = String(repeating: "0", count: 64)
        for (name, tampered, needle) in [("number.json", number, "hits_at_1.10"), ("hash.json", hash, "checkpoint_sha256")] {
            try JSONSerialization.data(withJSONObject: tampered, options: [.sortedKeys]).write(to: f.dir.appendingPathComponent(name))
            let r = try TumbleProcess.tumble(["eval", "--verify", name, "--quiet"], in: f.dir)
            XCTAssertFailed(r, "verifying a report with a changed \(needle)")
            XCTAssertTrue(r.stderr.contains(needle), "the difference is named:\n\(r.output)")
        }
    }

    /// Evaluating on the very episodes a model was trained on is refused, before any number is computed.
    func testEvalRefusesEpisodesUsedInTraining() throws {
        let f = try sharedFixture()
        let dir = try temporaryDirectory("eval-overlap", for: self)
        try FileManager.default.copyItem(at: f.dir.appendingPathComponent("tiny.yaml"), to: dir.appendingPathComponent("tiny.yaml"))
        for args in [["record", "bounce", "--out", "D", "--episodes", "4", "--steps", "12"],
                     ["train", "--data", "D", "--out", "R", "--config", "tiny.yaml", "--steps", "2", "--quiet"]] {
            XCTAssertSucceeded(try TumbleProcess.tumble(args, in: dir), "tumble \(args.joined(separator: " "))")
        }
        let r = try TumbleProcess.tumble(["eval", "--checkpoint", "R/checkpoints/last.safetensors", "--data", "D", "--json", "out.json"], in: dir)
        XCTAssertFailed(r, "evaluating on training episodes")
        XCTAssertTrue(r.stderr.contains("also used in training"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.json").path))
    }

    private func sha256(of url: URL) throws -> String {
        let r = try TumbleProcess.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [url.path], in: url.deletingLastPathComponent())
        return String(r.stdout.prefix(64))
    }
}

/// Checks that `html` is a well-formed page that needs nothing from elsewhere: a doctype, every
/// non-void element closed in order, no stray `<`, no scripts, style sheets, links or remote sources
/// (the only URL is the SVG namespace, which browsers never fetch).
func assertWellFormedSelfContainedHTML(_ html: String, file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html"), "doctype", file: file, line: line)
    for forbidden in ["<script", "<link", "<iframe", "href=", "url(", "@import", "src=\"http", "src='http", "//cdn"] {
        XCTAssertFalse(html.contains(forbidden), "report.html contains \(forbidden)", file: file, line: line)
    }
    XCTAssertEqual(html.components(separatedBy: "http").count - 1, html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1,
                   "the only URLs are SVG namespaces", file: file, line: line)
    let void: Set<String> = ["meta", "img", "br", "hr", "input", "col", "area", "base", "wbr", "source"]
    let body = html.dropFirst("<!DOCTYPE html>".count)
    let tag = try NSRegularExpression(pattern: "<(/?)([A-Za-z][A-Za-z0-9]*)(?:\\s[^<>]*?)?(/?)>")
    let text = String(body)
    var stack: [String] = []
    var stray = 0
    var cursor = text.startIndex
    for m in tag.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let range = Range(m.range, in: text)!
        stray += text[cursor..<range.lowerBound].filter { $0 == "<" || $0 == ">" }.count
        cursor = range.upperBound
        let closing = !Range(m.range(at: 1), in: text)!.isEmpty
        let name = text[Range(m.range(at: 2), in: text)!].lowercased()
        let selfClosed = !Range(m.range(at: 3), in: text)!.isEmpty
        if closing {
            guard stack.last == name else {
                return XCTFail("</\(name)> closes <\(stack.last ?? "nothing")>", file: file, line: line)
            }
            stack.removeLast()
        } else if !selfClosed && !void.contains(name) {
            stack.append(name)
        }
    }
    stray += text[cursor...].filter { $0 == "<" || $0 == ">" }.count
    XCTAssertEqual(stack, [], "unclosed elements", file: file, line: line)
    XCTAssertEqual(stray, 0, "< or > outside tags", file: file, line: line)
}

/// A set-up command that failed, with its output.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
