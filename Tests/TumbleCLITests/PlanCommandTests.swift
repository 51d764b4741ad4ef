import Common
import Foundation
import XCTest

/// `tumble plan` end to end: a report with every field the issue names, `--verify` confirming it and catching an
/// edited number, and clear refusals of inputs it cannot honour.
final class PlanCommandTests: XCTestCase {
    let root = TumbleProcess.packageRoot
    let small = ["--samples", "8", "--horizon", "2", "--iterations", "1", "--steps", "20"]

    func testAReportCarriesItsNumbersBesideTheBaselinesAndVerifies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = root.appendingPathComponent("Assets/models/push.safetensors").path
        let report = dir.appendingPathComponent("plan.json").path
        let r = try TumbleProcess.tumble(["plan", "--checkpoint", checkpoint, "--seed", "4242", "--episodes", "3", "--json", report, "--quiet"] + small, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["model", "simulator", "random", "scripted"] { XCTAssertTrue(r.stdout.contains(name), r.stdout) }
        let json = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: report)))
        let sha = FileDigest.sha256(try Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        XCTAssertEqual(json["checkpoint_sha256"]?.stringValue, sha)
        XCTAssertEqual(json["episodes"]?.doubleValue, 3)
        XCTAssertTrue(json["command"]?.stringValue?.hasPrefix("tumble plan --checkpoint") == true)
        let rate = try XCTUnwrap(json["success_rate"]?.doubleValue)
        let ci = try XCTUnwrap(json["success_ci95"]?.arrayValue?.compactMap(\.doubleValue))
        XCTAssertEqual(ci.count, 2)
        XCTAssertTrue(ci[0] <= rate && rate <= ci[1])
        XCTAssertNotNil(json["ms_per_action"]?["median"]?.doubleValue)
        XCTAssertNotNil(json["ms_per_action"]?["p95"]?.doubleValue)
        XCTAssertNotNil(json["final_distance"]?["median"]?.doubleValue)
        XCTAssertNotNil(json["steps_to_success"]?["median"])
        for b in ["simulator", "random", "scripted"] { XCTAssertNotNil(json["baselines"]?[b]?["success_rate"]?.doubleValue, b) }
        XCTAssertEqual(json["per_episode"]?["success"]?.arrayValue?.count, 3)

        let ok = try TumbleProcess.tumble(["plan", "--verify", report, "--quiet"], in: root)
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertTrue(ok.stdout.contains("verified"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("ms_per_action is wall-clock time"), ok.stdout)

        // A report whose inputs name no controllers is refused, naming the field.
        let original = try String(contentsOfFile: report, encoding: .utf8)
        guard case let .object(top) = json, case let .object(inputs)? = json["inputs"] else { return XCTFail("report is not an object") }
        XCTAssertEqual(json["inputs"]?["controllers"], .array(["model", "simulator", "random", "scripted"].map(JSONValue.string)))
        let noControllers = JSONValue.object(inputs.map { $0.0 == "controllers" ? ("baselines", .bool(true)) : $0 })
        try JSONValue.object(top.map { $0.0 == "inputs" ? ("inputs", noControllers) : $0 }).serialized().write(toFile: report, atomically: true, encoding: .utf8)
        let refused = try TumbleProcess.tumble(["plan", "--verify", report, "--quiet"], in: root)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("inputs.controllers"), refused.stderr)
        try original.write(toFile: report, atomically: true, encoding: .utf8)

        // An edited outcome is caught.
        var text = try String(contentsOfFile: report, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"final_distance\": {\n    \"median\": ", with: "\"final_distance\": {\n    \"median\": 1")
        XCTAssertNotEqual(edited, text, "the report's layout changed; update this edit")
        text = edited
        try text.write(toFile: report, atomically: true, encoding: .utf8)
        let bad = try TumbleProcess.tumble(["plan", "--verify", report, "--quiet"], in: root)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stdout.contains("differs: final_distance.median"), bad.stdout)
    }

    func testControllersRunOnlyThoseAsked() throws {
        let push = root.appendingPathComponent("Assets/models/push.safetensors").path
        let r = try TumbleProcess.tumble(["plan", "--checkpoint", push, "--seed", "4242", "--episodes", "2", "--controllers", "simulator,scripted", "--quiet"] + small, in: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("simulator") && r.stdout.contains("scripted"), r.stdout)
        XCTAssertFalse(r.stdout.contains("random") || r.stdout.contains("model "), r.stdout)
    }

    func testInputsItCannotHonourAreRefusedByName() throws {
        let push = root.appendingPathComponent("Assets/models/push.safetensors").path
        let bounce = root.appendingPathComponent("Assets/default-model.safetensors").path
        let cases: [([String], String)] = [
            (["plan", "--checkpoint", bounce, "--seed", "1", "--episodes", "1"] + small, "model of scene bounce, not push"),
            (["plan", "--checkpoint", push, "--seed", "9312129855512266112", "--episodes", "2"] + small, "were used in training"),
            (["plan", "--checkpoint", push, "--seed", "1", "--planner", "gradient"], "--planner must be one of cem, mppi"),
            (["plan", "--checkpoint", push, "--seed", "1", "--samples", "0"], "--samples must be 1…100000"),
            (["plan", "--checkpoint", push, "--seed", "1", "--scene", "bounce"] + small, "cannot be planned in"),
            (["plan", "--checkpoint", "missing.safetensors", "--seed", "1"] + small, "missing.safetensors"),
            (["plan", "--verify", "/nonexistent/plan.json"], "/nonexistent/plan.json"),
            (["plan", "--checkpoint", push, "--seed", "1", "--controllers", "model,oracle"], "`oracle` is not one of model, simulator, random, scripted"),
        ]
        for (args, expected) in cases {
            let r = try TumbleProcess.tumble(args + ["--quiet"], in: root)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue((r.stdout + r.stderr).contains(expected), "\(args): \(r.stderr)")
        }
    }
}
