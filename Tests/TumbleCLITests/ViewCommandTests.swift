import Foundation
import XCTest

/// `tumble view` headless: the window is drawn under SDL's dummy video driver and saved as a PNG.
final class ViewCommandTests: XCTestCase {
    func testHeadlessScreenshotWritesAPNGOfTheWindow() throws {
        let dir = try temporaryDirectory("view", for: self)
        let r = try TumbleProcess.tumble(["view", "bounce", "--frames", "30", "--screenshot", "out.png"], in: dir,
                                         environment: ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""])
        XCTAssertSucceeded(r, "tumble view bounce --frames 30 --screenshot out.png")
        XCTAssertTrue(r.stdout.contains("saved") && r.stdout.contains("30 frames"), r.output)
        // Without --checkpoint the window shows the shipped model: the one its eval reports name by SHA-256.
        let report = try ReadmeResultsTests.report("Assets/default-model-report.json")
        let sha = try XCTUnwrap(report["checkpoint_sha256"] as? String)
        XCTAssertTrue(r.stdout.contains("model: bounce · \(sha.prefix(12)) · step 1500"), "shipped model not loaded:\n\(r.output)")
        let png = try Data(contentsOf: dir.appendingPathComponent("out.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        XCTAssertEqual(String(decoding: png[12..<16], as: UTF8.self), "IHDR")
        func be32(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 1280, "width of the default window")
        XCTAssertEqual(be32(20), 720, "height of the default window")
        XCTAssertGreaterThan(png.count, 10_000, "a drawn window, not a blank image")
        XCTAssertEqual(String(decoding: png.suffix(8).prefix(4), as: UTF8.self), "IEND", "complete file")
    }

    /// Every scene opens with its own shipped model (the one its reports name), also after `]` switches scenes; a
    /// model of another scene is named as such.
    func testEachSceneShowsItsOwnShippedModel() throws {
        let dir = try temporaryDirectory("view-scenes", for: self)
        let env = ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""]
        func sha(_ scene: String) throws -> String {
            let file = scene == "bounce" ? "Assets/default-model-report.json" : "Assets/models/\(scene)-report.json"
            return try XCTUnwrap(try ReadmeResultsTests.report(file)["checkpoint_sha256"] as? String)
        }
        for scene in ["tower", "push", "pendulum", "billiards", "ramp"] {
            let r = try TumbleProcess.tumble(["view", scene, "--frames", "2"], in: dir, environment: env)
            XCTAssertSucceeded(r, "tumble view \(scene) --frames 2")
            XCTAssertTrue(r.stdout.contains("scene \(scene): model sha256 \(try sha(scene)), trained on \(scene)"), r.output)
        }
        // billiards, then `]`: the next scene in the catalogue (tower) with tower's model.
        let switched = try TumbleProcess.tumble(["view", "billiards", "--frames", "6", "--press", "2:]"], in: dir, environment: env)
        XCTAssertSucceeded(switched, "tumble view billiards --press 2:]")
        XCTAssertTrue(switched.stdout.contains("model: tower · \(try sha("tower").prefix(12))"), switched.output)
        // A checkpoint named on the command line stays for every scene, and the output says whose it is.
        let other = try TumbleProcess.tumble(["view", "tower", "--frames", "2", "--checkpoint", ReadmeResultsTests.assets("default-model.safetensors").path],
                                             in: dir, environment: env)
        XCTAssertSucceeded(other, "tumble view tower --checkpoint bounce's model")
        XCTAssertTrue(other.stdout.contains("trained on bounce"), other.output)
        XCTAssertTrue(other.stderr.contains("trained on bounce, this is tower"), other.output)
    }

    func testWindowSizeAndBadFlags() throws {
        let dir = try temporaryDirectory("view-size", for: self)
        let env = ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""]
        let r = try TumbleProcess.tumble(["view", "tower", "--size", "640x360", "--frames", "5", "--screenshot", "small.png"], in: dir, environment: env)
        XCTAssertSucceeded(r, "tumble view tower --size 640x360")
        let png = try Data(contentsOf: dir.appendingPathComponent("small.png"))
        func be32(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual([be32(16), be32(20)], [640, 360])

        for (args, needle) in [(["--horizon", "0"], "--horizon"), (["--size", "big"], "--size"), (["nosuchscene"], "nosuchscene"),
                               (["--checkpoint", "missing.safetensors", "--frames", "1"], "missing.safetensors")] {
            let bad = try TumbleProcess.tumble(["view"] + args, in: dir, environment: env)
            XCTAssertFailed(bad, "tumble view \(args.joined(separator: " "))")
            XCTAssertTrue(bad.stderr.contains(needle), "expected '\(needle)' in:\n\(bad.output)")
        }
    }

    /// --record: the episode shown becomes a dataset that NumPy's checker accepts; a directory in use is refused
    /// before the window opens, naming what is in it.
    func testRecordWritesTheEpisodeShownAsADataset() throws {
        let dir = try temporaryDirectory("view-record", for: self)
        let env = ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""]
        let r = try TumbleProcess.tumble(["view", "push", "--frames", "120", "--press", "60:d", "--record", "played"], in: dir, environment: env)
        XCTAssertSucceeded(r, "tumble view push --frames 120 --record played")
        XCTAssertTrue(r.stdout.contains("recorded the episode shown to \(dir.appendingPathComponent("played").path)"), r.output)
        let check = try TumbleProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                          ["python3", TumbleProcess.packageRoot.appendingPathComponent("scripts/check_dataset.py").path, "played"],
                                          in: dir)
        XCTAssertSucceeded(check, "scripts/check_dataset.py played")
        XCTAssertTrue(check.stdout.contains("1 episodes, 31 frames"), check.output)
        // D at frame 60 wrote the first 16 observations (0…15) to a directory of its own.
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(entries.filter { $0.hasPrefix("tumble-push-seed1-step15") }.count, 1, "\(entries)")

        let again = try TumbleProcess.tumble(["view", "push", "--frames", "5", "--record", "played"], in: dir, environment: env)
        XCTAssertFailed(again, "--record into a recording")
        XCTAssertTrue(again.stderr.contains("--record played: expected a new or empty directory"), again.output)
    }
}
