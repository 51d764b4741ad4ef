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
}
