import Foundation
import XCTest

/// `tumble --version`, the help texts and `tumble scenes`: the front door of the command line.
final class ScenesCommandTests: XCTestCase {
    func testVersionPrintsASemanticVersion() throws {
        let dir = try temporaryDirectory("version", for: self)
        let r = try TumbleProcess.tumble(["--version"], in: dir)
        XCTAssertSucceeded(r, "tumble --version")
        let version = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(version.range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression), "version '\(version)'")
    }

    func testHelpListsEveryCommandOfThePublicContract() throws {
        let dir = try temporaryDirectory("help", for: self)
        let r = try TumbleProcess.tumble(["--help"], in: dir)
        XCTAssertSucceeded(r, "tumble --help")
        for command in ["scenes", "record", "train", "eval", "view", "bench"] {
            XCTAssertTrue(r.stdout.contains("  \(command) "), "tumble --help does not list \(command):\n\(r.stdout)")
        }
    }

    /// `bench --help` must answer at once (the bench itself takes minutes and is not run here).
    func testBenchHelpDescribesItsFlags() throws {
        let dir = try temporaryDirectory("bench-help", for: self)
        let r = try TumbleProcess.tumble(["bench", "--help"], in: dir)
        XCTAssertSucceeded(r, "tumble bench --help")
        XCTAssertTrue(r.stdout.contains("USAGE: tumble bench"), r.stdout)
        XCTAssertTrue(r.stdout.contains("--json"), r.stdout)
        XCTAssertTrue(r.stdout.contains("--only"), r.stdout)
    }

    func testScenesListsTheShippedScenes() throws {
        let dir = try temporaryDirectory("scenes", for: self)
        let r = try TumbleProcess.tumble(["scenes"], in: dir)
        XCTAssertSucceeded(r, "tumble scenes")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("scene") == true, "no header line:\n\(r.stdout)")
        let names = Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) })
        for scene in ["bounce", "billiards", "tower", "pendulum", "ramp", "push"] {
            XCTAssertTrue(names.contains(scene), "tumble scenes does not list \(scene):\n\(r.stdout)")
        }
        let bounce = try XCTUnwrap(lines.first { $0.hasPrefix("bounce ") })
        XCTAssertTrue(bounce.contains(" 8 ") && bounce.contains(" 15 "), "bounce should have 8 bodies at 15 Hz: \(bounce)")
    }

    func testScenesValidatesGoodFilesAndShippedNames() throws {
        let dir = try temporaryDirectory("scenes-ok", for: self)
        let file = TumbleProcess.packageRoot.appendingPathComponent("Scenes/tower.yaml").path
        let r = try TumbleProcess.tumble(["scenes", file, "bounce"], in: dir)
        XCTAssertSucceeded(r, "tumble scenes tower.yaml bounce")
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("OK") }.count, 2, r.stdout)
    }

    /// A bad file: non-zero exit, and the message names the file, the field path and the line.
    func testScenesRejectsABadFileNamingFileFieldAndLine() throws {
        let dir = try temporaryDirectory("scenes-bad", for: self)
        let bad = dir.appendingPathComponent("bad.yaml")
        try """
            name: broken
            world: {width: 10, height: 10}
            bodies:
              - name: ball
                shape: circle
                position: {x: 5, y: 5}
                radius: 1
              - name: crate
                shape: box
                position: {x: 2, y: 2}
                width: 1
                height: -2

            """.write(to: bad, atomically: true, encoding: .utf8)
        let good = TumbleProcess.packageRoot.appendingPathComponent("Scenes/bounce.yaml").path
        let r = try TumbleProcess.tumble(["scenes", good, "bad.yaml"], in: dir)
        XCTAssertFailed(r, "tumble scenes bad.yaml")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("OK    \(good)"), "the good file is still checked:\n\(r.output)")
        let failure = try XCTUnwrap(r.output.split(separator: "\n").first { $0.hasPrefix("FAIL") }, r.output)
        XCTAssertTrue(failure.contains("bad.yaml:12:"), "file and line of `height: -2` expected: \(failure)")
        XCTAssertTrue(failure.contains("bodies[1].height"), "field path expected: \(failure)")
        XCTAssertTrue(failure.contains("> 0"), "what was expected: \(failure)")
    }

    func testScenesRejectsAnUnknownFieldAndAMissingFile() throws {
        let dir = try temporaryDirectory("scenes-unknown", for: self)
        try "name: typo\nworld: {width: 10, height: 10}\ngravty: [0, -9.8]\n"
            .write(to: dir.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
        let r = try TumbleProcess.tumble(["scenes", "typo.yaml", "missing.yaml"], in: dir)
        XCTAssertFailed(r, "tumble scenes typo.yaml missing.yaml")
        let failures = r.output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        XCTAssertEqual(failures.count, 2, r.output)
        XCTAssertTrue(failures.first { $0.contains("typo.yaml:3:") && $0.contains("gravty") } != nil, r.output)
        XCTAssertTrue(failures.first { $0.contains("missing.yaml") } != nil, r.output)
    }
}
