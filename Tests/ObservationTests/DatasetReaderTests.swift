import Common
import Foundation
import Physics
import XCTest
@testable import Observation

final class DatasetReaderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        var o = RecordOptions(scene: try Scene.load("push"), output: dir.appendingPathComponent("data"), tumbleVersion: "test")
        o.episodes = 3
        o.steps = 5
        o.resolution = 12
        _ = try Recorder(options: o).run()
        dir = dir.appendingPathComponent("data")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir.deletingLastPathComponent())
    }

    /// Rewrites the manifest's JSON object with `edit`.
    func editManifest(_ edit: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent("manifest.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func testReadsWhatWasRecorded() throws {
        let data = try Dataset(directory: dir)
        XCTAssertEqual(data.shardCount, 1)
        XCTAssertEqual(data.manifest.actionDimension, 2)
        XCTAssertEqual(data.manifest.stateFields, ["x", "y", "angle", "vx", "vy", "omega"])
        XCTAssertEqual(data.manifest.scene.sha256, FileDigest.sha256(Data(try Scene.load("push").source.utf8)))
        let s = try data.shard(0)
        XCTAssertEqual(s.frames.count, 3 * 5 * 12 * 12 * 3)
        XCTAssertEqual(s.actions.count, 3 * 5 * 2)
        XCTAssertEqual(s.states.count, 3 * 5 * 2 * 6)
        XCTAssertEqual(s.frame(episode: 2, step: 4).count, 432)
        XCTAssertEqual(try data.manifestSHA256().count, 64)
        XCTAssertNoThrow(try data.verify())
    }

    func testRejectsAnotherFormatVersion() throws {
        try editManifest { $0["format_version"] = 2 }
        XCTAssertThrowsError(try Dataset(directory: dir)) { error in
            let e = error as? DatasetError
            XCTAssertEqual(e?.field, "format_version")
            XCTAssertTrue(e?.file.hasSuffix("manifest.json") ?? false)
            XCTAssertTrue("\(error)".contains("version 2 is not supported"), "\(error)")
        }
        try editManifest { $0["format"] = "something-else" }
        XCTAssertThrowsError(try Dataset(directory: dir)) { XCTAssertEqual(($0 as? DatasetError)?.field, "format") }
    }

    func testRejectsBadChecksumAndMismatchedArrays() throws {
        try editManifest { m in
            var shards = m["shards"] as! [[String: Any]]
            shards[0]["sha256"] = String(repeating: "0", count: 64)
            m["shards"] = shards
        }
        XCTAssertThrowsError(try Dataset(directory: dir).shard(0)) { error in
            XCTAssertEqual((error as? DatasetError)?.field, "sha256")
            XCTAssertTrue("\(error)".contains("shard-00000.npz"), "\(error)")
            XCTAssertTrue("\(error)".contains("checksum mismatch"), "\(error)")
        }
    }

    func testRejectsArraysThatDisagreeWithTheManifest() throws {
        try editManifest { m in
            var arrays = m["arrays"] as! [[String: Any]]
            arrays[1]["shape"] = [-1, 5, 3, 6]
            m["arrays"] = arrays
        }
        XCTAssertThrowsError(try Dataset(directory: dir).shard(0)) { error in
            XCTAssertEqual((error as? DatasetError)?.field, "states")
            XCTAssertTrue("\(error)".contains("expected <f4 [3, 5, 3, 6], got <f4 [3, 5, 2, 6]"), "\(error)")
        }
    }

    func testRejectsMissingAndDamagedManifests() throws {
        try editManifest { $0["steps"] = "five" }
        XCTAssertThrowsError(try Dataset(directory: dir)) { error in
            XCTAssertEqual((error as? DatasetError)?.field, "steps")
        }
        try editManifest { $0["steps"] = 5; $0.removeValue(forKey: "shards") }
        XCTAssertThrowsError(try Dataset(directory: dir)) { XCTAssertEqual(($0 as? DatasetError)?.field, "shards") }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.json"))
        XCTAssertThrowsError(try Dataset(directory: dir)) { XCTAssertTrue("\($0)".contains("not a Tumble dataset directory"), "\($0)") }
    }
}
