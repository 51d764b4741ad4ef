import Foundation
import XCTest

/// The README's numbers for the shipped model are the reports' numbers: every cell of its two results
/// tables is compared with `Assets/default-model-report.json` or `-surprise.json` at the README's rounding,
/// and the shipped checkpoint is the one both reports name.
final class ReadmeResultsTests: XCTestCase {
    /// Per README table (its first header cell, exactly): the report it is
    /// drawn from, its rows (first cell) and the report value behind each further column; nil where the README prints
    /// "—". A path "file.json:path" reads another report. Every row of the table must be here, and every row here in it.
    static let expected: [(table: String, file: String, rows: [String: [String?]])] = [
        ("`default-model-report.json`", "Assets/default-model-report.json", [
            "linear probe position R²": ["probe.frames", "probe.position_r2", "probe.position_r2_ci95.0|probe.position_r2_ci95.1",
                                         nil, nil, nil],
            "position error at k = 1": ["probe.samples"] + baselines("probe", 1, interval: true),
            "position error at k = 5": ["probe.samples"] + baselines("probe", 5, interval: true),
            "position error at k = 10": ["probe.samples"] + baselines("probe", 10, interval: true),
            "k = 10 error ÷ copy-last's": ["prediction_episodes", "probe.ratio_to_copy_last.10",
                                          "probe.ratio_to_copy_last_ci95.10.0|probe.ratio_to_copy_last_ci95.10.1", nil, nil, nil],
            "… the ball collides within 10 steps": ["probe.collision.samples"] + baselines("probe.collision", 10),
            "… the ball does not collide": ["probe.no_collision.samples"] + baselines("probe.no_collision", 10),
        ]),
        ("`default-model-report.json` rankings", "Assets/default-model-report.json", [
            "C-SWM, 1 step": ranking("hits_", 1),
            "C-SWM, 10 steps": ranking("hits_", 10),
            "pooled, 5 steps": ranking("pooled_", 5),
            "pooled, 10 steps": ranking("pooled_", 10),
            "timing, 1 step": ranking("timing_", 1),
            "timing, 5 steps": ranking("timing_", 5),
            "timing, 10 steps": ranking("timing_", 10),
        ]),
        ("`default-model-surprise.json`", "Assets/default-model-surprise.json", [
            "teleport": surprise("teleport"),
            "vanish": surprise("vanish"),
            "pass-through": surprise("passThrough"),
            "immutability": surprise("immutability"),
        ]),
        ("`docs/eval/second-set-*.json`", "docs/eval/second-set-report.json", [
            "k = 10 error ÷ copy-last's": ["prediction_episodes", "probe.ratio_to_copy_last.10",
                                          "probe.ratio_to_copy_last_ci95.10.0|probe.ratio_to_copy_last_ci95.10.1"],
            "C-SWM Hits@1, 10 steps": ["hits_queries", "hits_at_1.10", "hits_at_1_ci95.10.0|hits_at_1_ci95.10.1"],
            "pooled Hits@1, 10 steps": ["pooled_queries", "pooled_hits_at_1.10", "pooled_hits_at_1_ci95.10.0|pooled_hits_at_1_ci95.10.1"],
            "timing Hits@1, 1 step": ["timing_queries", "timing_hits_at_1.1", "timing_hits_at_1_ci95.1.0|timing_hits_at_1_ci95.1.1"],
            "timing Hits@1, 5 steps": ["timing_queries", "timing_hits_at_1.5", "timing_hits_at_1_ci95.5.0|timing_hits_at_1_ci95.5.1"],
        ] .merging(["teleport", "vanish", "passThrough", "immutability"].map { type in
            ("\(type == "passThrough" ? "pass-through" : type) accuracy",
             ["pairs", "pairwise_accuracy", "pairwise_accuracy_ci95.0|pairwise_accuracy_ci95.1"].map { part in
                 part.split(separator: "|").map { "docs/eval/second-set-surprise.json:surprise.\(type).\($0)" }.joined(separator: "|") })
        }, uniquingKeysWith: { a, _ in a })),
        ("C-SWM Hits@1 at 10 steps, both models", "Assets/default-model-report.json", Dictionary(uniqueKeysWithValues: [
            ("first set (seed 777)", "Assets/default-model-report.json", "docs/eval/reference-model-report.json"),
            ("second set (seed 9001)", "docs/eval/second-set-report.json", "docs/eval/reference-model-second-set-report.json"),
            ("third set (seed 31337)", "docs/eval/third-set-report.json", "docs/eval/reference-model-third-set-report.json"),
        ].map { row, shipped, replaced in
            (row, ["\(shipped):hits_queries"] + [shipped, replaced].flatMap { file in
                ["hits_at_1.10", "hits_at_1_ci95.10.0|hits_at_1_ci95.10.1", "probe.ratio_to_copy_last.10"].map { part in
                    part.split(separator: "|").map { "\(file):\($0)" }.joined(separator: "|") as String?
                }
            })
        })),
    ]

    /// The planning table (`scripts/plan_table.py`): the shipped plan report, the model's row and its three baselines', and
    /// the second held-out set's model and simulator rows.
    static let planTable: (table: String, file: String, rows: [String: [String?]]) = {
        func row(_ prefix: String, timing: Bool, steps: Bool) -> [String?] {
            [prefix + "episodes", prefix + "success_rate", prefix + "success_ci95.0|" + prefix + "success_ci95.1",
             timing ? prefix + "ms_per_action.median" : nil, timing ? prefix + "ms_per_action.p95" : nil,
             steps ? prefix + "steps_to_success.median" : nil, prefix + "final_distance.median"]
        }
        return ("`push-plan.json`", "Assets/models/push-plan.json", [
            "model (the shipped push model)": row("", timing: true, steps: true),
            "simulator as model": row("baselines.simulator.", timing: true, steps: true),
            "random actions": row("baselines.random.", timing: false, steps: false),
            "scripted controller (true states)": row("baselines.scripted.", timing: false, steps: true),
            "model, second set (seed 6262)": row("docs/eval/second-set-push-plan.json:", timing: true, steps: true),
            "simulator as model, second set": row("docs/eval/second-set-push-plan.json:baselines.simulator.", timing: true, steps: true),
        ])
    }()

    /// The planning budgets (`scripts/plan_table.py`): per budget, the simulator as model's report and the model's timing run.
    static let budgetTable: (table: String, file: String, rows: [String: [String?]]) = {
        var rows: [String: [String?]] = [:]
        for (n, i) in [(16, 1), (32, 2), (48, 2), (96, 3)] {
            let sim = "docs/eval/plan-budget-simulator-\(n)x\(i).json:baselines.simulator.", model = "docs/eval/plan-budget-model-\(n)x\(i).json:"
            rows["\(n) × \(i)\(n == 48 ? " (default)" : "")"] = [
                sim + "episodes", sim + "success_rate", sim + "success_ci95.0|" + sim + "success_ci95.1",
                model + "ms_per_action.median", model + "ms_per_action.p95"]
        }
        return ("`plan-budget-*.json`: samples × rounds", "docs/eval/plan-budget-model-48x2.json", rows)
    }()

    /// The violation types each shipped scene supports (`tumble scenes`).
    static let violationTypes: [String: [String]] = [
        "bounce": ["teleport", "vanish", "passThrough", "immutability"], "billiards": ["teleport", "vanish", "immutability"],
        "tower": ["teleport", "vanish", "passThrough", "immutability"], "pendulum": ["vanish", "immutability"],
        "ramp": ["teleport", "vanish", "passThrough", "immutability"], "push": ["teleport", "vanish", "immutability"]]

    /// The per-scene tables (`scripts/scene_table.py`): each scene's shipped reports, bounce's being the default model's.
    static let sceneTables: [(table: String, file: String, rows: [String: [String?]])] = {
        let scenes = ["bounce", "billiards", "tower", "pendulum", "ramp", "push"]
        let turning: Set = ["tower", "pendulum", "ramp", "push"], violations = ReadmeResultsTests.violationTypes
        func file(_ scene: String, _ kind: String) -> String {
            scene == "bounce" ? "Assets/default-model-\(kind).json" : "Assets/models/\(scene)-\(kind).json"
        }
        var prediction: [String: [String?]] = [:], surprise: [String: [String?]] = [:]
        for s in scenes {
            let f = file(s, "report") + ":"
            var row: [String?] = [f + "prediction_episodes", f + "probe.position_r2",
                                  f + "probe.position_r2_ci95.0|" + f + "probe.position_r2_ci95.1"]
            row.append(turning.contains(s) ? f + "probe.angle_r2" : nil)
            row.append(turning.contains(s) ? f + "probe.angle_r2_ci95.0|" + f + "probe.angle_r2_ci95.1" : nil)
            row.append(f + "probe.velocity_r2")
            for key in ["position_error.5", "baseline_copy_last.5", "baseline_constant_velocity.5", "position_error.10"] {
                row.append(f + "probe." + key)
            }
            row.append(f + "probe.position_error_ci95.10.0|" + f + "probe.position_error_ci95.10.1")
            for key in ["baseline_copy_last.10", "baseline_constant_velocity.10", "ratio_to_copy_last.10"] {
                row.append(f + "probe." + key)
            }
            row.append(s == "push" ? f + "probe.ratio_to_no_actions.10" : nil)
            prediction[s] = row
            for type in violations[s]! {
                let g = file(s, "surprise") + ":surprise.\(type)."
                let interval = g + "pairwise_accuracy_ci95.0|" + g + "pairwise_accuracy_ci95.1"
                let untrained = g + "untrained.pairwise_accuracy.range95.0|" + g + "untrained.pairwise_accuracy.range95.1"
                let label: String = type == "passThrough" ? "pass-through" : type
                surprise["\(s), \(label)"] = [g + "pairs", g + "pairwise_accuracy", interval, g + "pixel_baseline", untrained]
            }
        }
        var second: [String: [String?]] = [:]
        for s in scenes.dropFirst() {
            let f = "docs/eval/second-set-\(s)-report.json:probe.", g = "docs/eval/second-set-\(s)-surprise.json:surprise."
            var row: [String?] = ["docs/eval/second-set-\(s)-report.json:prediction_episodes", f + "position_r2",
                                  f + "position_r2_ci95.0|" + f + "position_r2_ci95.1"]
            row.append(turning.contains(s) ? f + "angle_r2" : nil)
            row.append(turning.contains(s) ? f + "angle_r2_ci95.0|" + f + "angle_r2_ci95.1" : nil)
            for key in ["position_error.10", "baseline_copy_last.10", "baseline_constant_velocity.10", "ratio_to_copy_last.10"] {
                row.append(f + key)
            }
            row.append(s == "push" ? f + "ratio_to_no_actions.10" : nil)
            row.append(g + violations[s]![0] + ".pairs")
            for type in ["teleport", "vanish", "passThrough", "immutability"] {
                row.append(violations[s]!.contains(type) ? g + type + ".pairwise_accuracy" : nil)
            }
            second[s] = row
        }
        return [("scene (`Assets/models/`)", file("tower", "report"), prediction),
                ("scene (second set, `docs/eval/`)", "docs/eval/second-set-tower-report.json", second),
                ("scene, violation (`Assets/models/`)", file("tower", "surprise"), surprise)]
    }()

    /// Queries, pool, the model's Hits@1, its interval and MRR, and the latent copy-last and constant-velocity Hits@1.
    static func ranking(_ prefix: String, _ k: Int) -> [String?] {
        let p = prefix == "hits_" ? "" : prefix
        return ["\(prefix)queries", "\(p == "" ? "hits_" : p)pool_size", "\(p)hits_at_1.\(k)",
                "\(p)hits_at_1_ci95.\(k).0|\(p)hits_at_1_ci95.\(k).1", "\(p)mrr.\(k)",
                "\(prefix)baselines.copy_last.hits_at_1.\(k)", "\(prefix)baselines.constant_velocity.hits_at_1.\(k)"]
    }

    /// The model's error, its interval over episodes (or "—"), and the three baselines at step k.
    static func baselines(_ part: String, _ k: Int, interval: Bool = false) -> [String?] {
        let ci: String? = interval ? "\(part).position_error_ci95.\(k).0|\(part).position_error_ci95.\(k).1" : nil
        return ["\(part).position_error.\(k)", ci]
            + ["baseline_copy_last", "baseline_constant_velocity", "state_constant_velocity"].map { "\(part).\($0).\(k)" }
    }

    /// Pairs, relative accuracy (max) and its interval, AUROC, relative accuracy (mean), absolute accuracy and its
    /// interval, the pixel detector's relative and absolute accuracy, and the untrained network's mean ± 1.96 SD.
    static func surprise(_ type: String) -> [String?] {
        ["pairs", "pairwise_accuracy", "pairwise_accuracy_ci95.0|pairwise_accuracy_ci95.1", "auroc", "mean_over_steps.pairwise_accuracy",
         "absolute_accuracy", "absolute_accuracy_ci95.0|absolute_accuracy_ci95.1", "pixel_baseline", "pixel_baseline_absolute_accuracy",
         "untrained.pairwise_accuracy.range95.0|untrained.pairwise_accuracy.range95.1"]
            .map { $0.split(separator: "|").map { "surprise.\(type).\($0)" }.joined(separator: "|") }
    }

    static func assets(_ name: String) -> URL {
        TumbleProcess.packageRoot.appendingPathComponent("Assets").appendingPathComponent(name)
    }

    /// A report by its path from the package root.
    static func report(_ path: String) throws -> [String: Any] {
        let url = TumbleProcess.packageRoot.appendingPathComponent(path)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], path)
    }

    /// The value at a dotted path (`probe.position_error.10`) of a decoded report.
    static func value(_ path: String, in report: [String: Any]) -> Double? {
        var node: Any = report
        for key in path.split(separator: ".") {
            if let array = node as? [Any], let i = Int(key), i < array.count { node = array[i]; continue }
            guard let dict = node as? [String: Any], let next = dict[String(key)] else { return nil }
            node = next
        }
        return (node as? NSNumber)?.doubleValue
    }

    /// Markdown tables of `text` (indented or not): header cells and body rows, cells trimmed and stripped of `**`.
    static func tables(in text: String) -> [(header: [String], rows: [[String]])] {
        func cells(_ line: Substring) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.replacingOccurrences(of: "**", with: "").trimmingCharacters(in: .whitespaces) }
        }
        var out: [(header: [String], rows: [[String]])] = []
        var lines: [Substring] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) + [Substring("")] {
            // A table inside a list item is indented with it.
            let line = raw.drop { $0 == " " }
            if line.hasPrefix("|") { lines.append(line); continue }
            if lines.count >= 2, lines[1].hasPrefix("|---") {
                out.append((cells(lines[0]), lines.dropFirst(2).map(cells)))
            }
            lines = []
        }
        return out
    }

    /// The number a cell starts with (thousands commas removed) and its count of decimals.
    static func number(in cell: String) -> (text: String, decimals: Int)? {
        guard let r = cell.range(of: #"^-?[0-9][0-9,]*(\.[0-9]+)?"#, options: .regularExpression) else { return nil }
        let text = cell[r].replacingOccurrences(of: ",", with: "")
        return (text, text.split(separator: ".").dropFirst().first?.count ?? 0)
    }

    func testResultsTablesAreTheShippedReports() throws {
        let tables = Self.tables(in: try ReadmeTests.readme())
        for (name, file, rows) in Self.expected + Self.sceneTables + [Self.planTable, Self.budgetTable] {
            let report = try Self.report(file)
            let table = try XCTUnwrap(tables.first { $0.header.first == name }, "README has a table headed \(name)")
            XCTAssertEqual(Set(table.rows.map { $0[0] }), Set(rows.keys), "rows of the \(name) table")
            XCTAssertEqual(table.rows.count, rows.count, "no row twice in the \(name) table")
            for row in table.rows {
                guard let paths = rows[row[0]] else { continue }
                XCTAssertEqual(row.count, paths.count + 1, "columns of \(name) row '\(row[0])'")
                for (cell, path) in zip(row.dropFirst(), paths) {
                    guard let path else {
                        XCTAssertEqual(cell, "—", "\(name) row '\(row[0])' has a number where the report has none")
                        continue
                    }
                    // "a|b": an interval printed as "lo–hi".
                    let parts = path.split(separator: "|").map(String.init)
                    let texts = parts.count == 1 ? [cell] : cell.components(separatedBy: "–")
                    XCTAssertEqual(texts.count, parts.count, "\(name) row '\(row[0])': '\(cell)' is not lo–hi")
                    for (text, part) in zip(texts, parts) {
                        // "file.json:path" reads another report.
                        let split = part.split(separator: ":", maxSplits: 1).map(String.init)
                        let source = split.count == 2 ? try Self.report(split[0]) : report
                        let key = split.last!
                        let actual = try XCTUnwrap(Self.value(key, in: source), "\(name) has no number at \(part)")
                        let printed = try XCTUnwrap(Self.number(in: text), "\(name) row '\(row[0])': no number in '\(cell)'")
                        XCTAssertEqual(printed.text, String(format: "%.\(printed.decimals)f", actual),
                                       "\(name) row '\(row[0])': README says \(cell), \(part) is \(actual)")
                    }
                }
            }
        }
    }

    /// The Speed table is docs/bench.json (one `tumble bench --json` run), number for number
    /// (`scripts/speed_table.py` prints it).
    func testSpeedTableIsTheRecordedBench() throws {
        let data = try Data(contentsOf: TumbleProcess.packageRoot.appendingPathComponent("docs/bench.json"))
        let bench = try JSONSerialization.jsonObject(with: data)
        let table = try XCTUnwrap(Self.tables(in: try ReadmeTests.readme()).first { $0.header == ["key", "value", "unit"] },
                                  "README has a Speed table headed key | value | unit")
        XCTAssertGreaterThanOrEqual(table.rows.count, 10)
        for row in table.rows {
            let key = row[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            var node: Any? = bench
            for part in key.split(separator: ".") { node = (node as? [String: Any])?[String(part)] }
            let actual = try XCTUnwrap(node as? Double, "docs/bench.json has no number at \(key)")
            let printed = try XCTUnwrap(Self.number(in: row[1]), "speed row \(key): no number in '\(row[1])'")
            XCTAssertEqual(printed.text, String(format: "%.\(printed.decimals)f", actual), "speed row \(key): README says \(row[1]), bench.json \(actual)")
        }
    }

    /// The "Scaling on paper" table is `scripts/scaling_table.py`'s, from docs/bench.json, line for line.
    func testScalingTableIsTheCostModelOnTheRecordedBench() throws {
        let python = try XCTUnwrap(TumbleProcess.python, "python3 is needed to print the scaling table")
        let r = try TumbleProcess.run(python, ["scripts/scaling_table.py"], in: TumbleProcess.packageRoot)
        XCTAssertSucceeded(r, "python3 scripts/scaling_table.py")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") }
        XCTAssertEqual(rows.count, 7, "the header and six rows: \(r.stdout)")
        let readme = try ReadmeTests.readme()
        for row in rows { XCTAssertTrue(readme.contains(row + "\n"), "README lacks the scaling row: \(row)") }
    }

    /// The "Beside PyTorch" table is `scripts/compare_pytorch --table`'s, from docs/pytorch-comparison.json, line for
    /// line, and its ratios are the medians' (the recorded run needs torch; printing its table does not).
    func testPyTorchTableIsTheRecordedComparison() throws {
        let python = try XCTUnwrap(TumbleProcess.python, "python3 is needed to print the PyTorch table")
        let r = try TumbleProcess.run(python, ["scripts/compare_pytorch", "--table"], in: TumbleProcess.packageRoot)
        XCTAssertSucceeded(r, "python3 scripts/compare_pytorch --table")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") }
        XCTAssertEqual(rows.count, 7, "the header and six rows: \(r.stdout)")
        let readme = try ReadmeTests.readme()
        for row in rows { XCTAssertTrue(readme.contains(row + "\n"), "README lacks the PyTorch row: \(row)") }

        let data = try Data(contentsOf: TumbleProcess.packageRoot.appendingPathComponent("docs/pytorch-comparison.json"))
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rounds = try XCTUnwrap(record["rounds"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(rounds.count, 3)
        let median = try XCTUnwrap(record["median"] as? [String: Double])
        let engines = try rounds.map { try XCTUnwrap(($0["tumble"] as? [String: Any])?["engine_train_frames_per_s"] as? Double) }
        let sorted = engines.sorted(), middle = sorted.count / 2
        let expected = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        XCTAssertEqual(try XCTUnwrap(median["tumble.engine_train_frames_per_s"]), expected, accuracy: 1e-9)
        let flops = try XCTUnwrap(record["train_flops_per_frame"] as? [String: Double], "the run checked both sides do the same work")
        XCTAssertEqual(try XCTUnwrap(flops["tumble"]), try XCTUnwrap(flops["pytorch"]), accuracy: 1e-3)
    }

    /// The checkpoint in Assets/ is the one both reports were made with, and the README names it.
    func testShippedCheckpointHashesToTheReportsSHA256() throws {
        let sha = try XCTUnwrap(["/usr/bin/sha256sum", "/bin/sha256sum"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "sha256sum (coreutils) not found")
        let r = try TumbleProcess.run(URL(fileURLWithPath: sha), [Self.assets("default-model.safetensors").path],
                                      in: TumbleProcess.packageRoot)
        XCTAssertSucceeded(r, "sha256sum Assets/default-model.safetensors")
        let digest = String(r.stdout.prefix(64))
        let readme = try ReadmeTests.readme().replacingOccurrences(of: "\n", with: " ")
        for name in ["Assets/default-model-report.json", "Assets/default-model-surprise.json",
                     "docs/eval/second-set-report.json", "docs/eval/second-set-surprise.json", "docs/eval/third-set-report.json"] {
            let report = try Self.report(name)
            XCTAssertEqual(report["checkpoint_sha256"] as? String, digest, "\(name) names another checkpoint")
            XCTAssertEqual((report["model"] as? [String: Any])?["training_step"] as? String, "1500", name)
        }
        // The model the shipped one replaced, on the same three sets: one checkpoint, the one the README names.
        let replaced = try ["", "second-set-", "third-set-"].map { try Self.report("docs/eval/reference-model-\($0)report.json") }
        let old = try XCTUnwrap(replaced[0]["checkpoint_sha256"] as? String)
        XCTAssertNotEqual(old, digest)
        for report in replaced { XCTAssertEqual(report["checkpoint_sha256"] as? String, old, "reference-model reports name one checkpoint") }
        XCTAssertTrue(readme.contains("SHA-256 `\(old.prefix(8))…`"), "README names the replaced checkpoint by its SHA-256")
        XCTAssertTrue(readme.contains("SHA-256 `\(digest.prefix(12))…`"), "README names the shipped checkpoint by its SHA-256")
        XCTAssertTrue(readme.contains("run for its 1,500 steps"), "README gives the shipped model's step count")
    }

    /// The README's evaluation sets are large enough to trust: every shipped and second-set surprise report has at least
    /// 256 pairs of each type its scene supports, and every prediction report at least 256 episodes.
    func testEveryEvaluationSetHas256PairsPerTypeAnd256Episodes() throws {
        for (scene, types) in Self.violationTypes {
            let first = scene == "bounce" ? "Assets/default-model-" : "Assets/models/\(scene)-"
            let second = scene == "bounce" ? "docs/eval/second-set-" : "docs/eval/second-set-\(scene)-"
            for prefix in [first, second] {
                let surprise = try XCTUnwrap(try Self.report(prefix + "surprise.json")["surprise"] as? [String: [String: Any]])
                XCTAssertEqual(Set(surprise.keys), Set(types), "\(prefix)surprise.json: one entry per violation type of \(scene)")
                for (type, entry) in surprise {
                    XCTAssertGreaterThanOrEqual(entry["pairs"] as? Int ?? 0, 256, "\(prefix)surprise.json: \(type) pairs")
                }
                let report = try Self.report(prefix + "report.json")
                XCTAssertGreaterThanOrEqual(report["prediction_episodes"] as? Int ?? 0, 256, "\(prefix)report.json: episodes")
            }
        }
    }

    /// Every other scene's shipped checkpoint is the one its two reports were made with, trained by its committed config.
    func testEachScenesCheckpointHashesToItsReports() throws {
        let sha = try XCTUnwrap(["/usr/bin/sha256sum", "/bin/sha256sum"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "sha256sum (coreutils) not found")
        for scene in ["billiards", "tower", "pendulum", "ramp", "push"] {
            let r = try TumbleProcess.run(URL(fileURLWithPath: sha), [Self.assets("models/\(scene).safetensors").path],
                                          in: TumbleProcess.packageRoot)
            XCTAssertSucceeded(r, "sha256sum Assets/models/\(scene).safetensors")
            let digest = String(r.stdout.prefix(64))
            for kind in ["report", "surprise"] {
                let report = try Self.report("Assets/models/\(scene)-\(kind).json")
                XCTAssertEqual(report["checkpoint_sha256"] as? String, digest, "\(scene)-\(kind).json names another checkpoint")
                let scenes = (report["model"] as? [String: Any])?["scene"] as? String
                XCTAssertTrue(scenes?.hasPrefix("\(scene) ") ?? false, "\(scene)-\(kind).json: model of \(scenes ?? "?")")
                XCTAssertEqual((report["inputs"] as? [String: Any])?["untrained"] as? Int, 5, "\(scene)-\(kind).json: untrained baseline")
            }
            if scene == "push" {
                // The planning report was made with the model the window and `tumble view push` load.
                let plan = try Self.report("Assets/models/push-plan.json")
                XCTAssertEqual(plan["checkpoint_sha256"] as? String, digest, "push-plan.json names another checkpoint")
                XCTAssertGreaterThanOrEqual(plan["episodes"] as? Int ?? 0, 200, "the planning target is judged over at least 200 episodes")
            }
            let config = try String(contentsOf: Self.assets("models/\(scene).yaml"), encoding: .utf8)
            XCTAssertTrue(config.contains("tumble train --scene \(scene) --config Assets/models/\(scene).yaml"), "\(scene).yaml says how to reproduce it")
        }
    }
}
