import Foundation
import XCTest

/// `tumble eval --scene`: held-out episodes simulated on the fly are exactly the ones `tumble record --seed`
/// writes, so the numbers equal an evaluation of the recorded dataset, and the report verifies.
final class LiveEvalCommandTests: XCTestCase {
    func testLiveSceneEvaluationEqualsTheRecordedDatasetsAndVerifies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-cli-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try TrainEvalCommandTests.tinyConfig.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["train", "--scene", "bounce", "--out", "RUN", "--config", "tiny.yaml", "--steps", "3", "--quiet"],
            ["record", "bounce", "--out", "heldout", "--episodes", "6", "--steps", "16", "--seed", "2000"],
            ["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--data", "heldout", "--json", "recorded.json", "--quiet"],
            ["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--scene", "bounce", "--episodes", "6", "--steps", "16",
             "--seed", "2000", "--json", "live.json", "--quiet"],
            ["eval", "--verify", "live.json", "--quiet"],
        ]
        for args in steps { XCTAssertSucceeded(try TumbleProcess.tumble(args, in: dir), "tumble \(args.joined(separator: " "))") }

        func report(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? [String: Any])
        }
        var recorded = try report("recorded.json"), live = try report("live.json")
        XCTAssertEqual(live["command"] as? String,
                       "tumble eval --checkpoint RUN/checkpoints/last.safetensors --scene bounce --episodes 6 --steps 16 --seed 2000 --json live.json")
        let inputs = try XCTUnwrap(live["inputs"] as? [String: Any])
        XCTAssertEqual(inputs["scene"] as? String, "bounce")
        XCTAssertEqual(inputs["seed"] as? String, "2000")
        XCTAssertNil(inputs["data"])
        XCTAssertNotEqual(live["dataset_manifest_sha256"] as? String, recorded["dataset_manifest_sha256"] as? String)
        for key in ["command", "inputs", "dataset_manifest_sha256"] { recorded[key] = nil; live[key] = nil }
        XCTAssertEqual(try JSONSerialization.data(withJSONObject: live, options: [.sortedKeys]),
                       try JSONSerialization.data(withJSONObject: recorded, options: [.sortedKeys]),
                       "every number of the live evaluation equals the recorded dataset's")

        // Another seed is other episodes: verify names the changed data.
        var other = try report("live.json")
        var otherInputs = try XCTUnwrap(other["inputs"] as? [String: Any])
        otherInputs["seed"] = "2001"
        other["inputs"] = otherInputs
        try JSONSerialization.data(withJSONObject: other, options: [.sortedKeys]).write(to: dir.appendingPathComponent("other.json"))
        let r = try TumbleProcess.tumble(["eval", "--verify", "other.json", "--quiet"], in: dir)
        XCTAssertFailed(r, "verifying a live report whose seed was changed")
        XCTAssertTrue(r.stderr.contains("dataset_manifest_sha256") && r.stderr.contains("the scene changed"), r.output)

        let bad = try TumbleProcess.tumble(["eval", "--checkpoint", "RUN/checkpoints/last.safetensors", "--scene", "bounce"], in: dir)
        XCTAssertFailed(bad, "--scene without --seed")
        XCTAssertTrue(bad.stderr.contains("--seed"), bad.output)
    }
}
