import Foundation
import Physics
import XCTest
@testable import Observation

/// Counts and names a hostile manifest or flag can carry: each is an error naming the file and the
/// field before any memory is sized by it or any file outside the dataset is opened.
final class ManifestBoundsTests: DirectoryTestCase {
    func options(_ out: URL) throws -> RecordOptions {
        var o = RecordOptions(scene: try Scene.load("bounce"), output: out, tumbleVersion: "test")
        o.episodes = 4
        o.steps = 6
        o.episodesPerShard = 2
        o.resolution = 16
        return o
    }

    /// A small recorded dataset whose manifest `edit` then changes.
    func dataset(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = try makeTemporaryDirectory()
        dirs.append(dir)
        _ = try Recorder(options: options(dir)).run()
        let url = dir.appendingPathComponent(DatasetManifest.fileName)
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return dir
    }

    func shard(_ json: inout [String: Any], _ key: String, _ value: Any) {
        var shards = json["shards"] as! [[String: Any]]
        shards[0][key] = value
        json["shards"] = shards
    }

    func assertRefused(_ dir: URL, field: String, _ problem: String, line: UInt = #line) {
        XCTAssertThrowsError(try Dataset(directory: dir), line: line) { error in
            guard let e = error as? DatasetError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(e.file, dir.appendingPathComponent(DatasetManifest.fileName).path, line: line)
            XCTAssertEqual(e.field, field, line: line)
            XCTAssertTrue(e.problem.contains(problem), e.problem, line: line)
        }
    }

    func testOversizedCountsAreRefusedBeforeAllocation() throws {
        assertRefused(try dataset { $0["episodes"] = 1_000_000_002; shard(&$0, "episode_count", 1_000_000_000) },
                      field: "shards[0].episode_count", "cannot fit in a")
        assertRefused(try dataset { $0["episodes"] = 1_000_000_000_000_000 }, field: "episodes", "shards hold 4 episodes")
        assertRefused(try dataset { shard(&$0, "episode_count", -3) }, field: "shards[0].episode_count", "expected at least 1, got -3")
        assertRefused(try dataset { $0["steps"] = Int.max }, field: "steps", "too large to hold")
        let huge = try dataset { _ in }
        let manifest = huge.appendingPathComponent(DatasetManifest.fileName)
        let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "\"steps\":6", with: "\"steps\":18446744073709551621")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        assertRefused(huge, field: "steps", "expected a whole number that fits in 64 bits")
        assertRefused(try dataset { $0["frame"] = ["width": 0, "height": 16, "channels": 3, "color": "rgb"] },
                      field: "frame.width", "expected 1...4096 pixels, got 0")
    }

    /// Found by the manifest fuzz target (as a Foundation leak on an empty file): still a clear error.
    func testAnEmptyManifestIsAClearError() throws {
        let dir = try makeTemporaryDirectory()
        dirs.append(dir)
        try Data().write(to: dir.appendingPathComponent(DatasetManifest.fileName))
        assertRefused(dir, field: "", "is not a JSON object")
    }

    func testShardFilesMustStayInsideTheDatasetDirectory() throws {
        for path in ["../../../../etc/passwd", "/etc/passwd", "..", "sub/shard-00000.npz"] {
            assertRefused(try dataset { shard(&$0, "file", path) }, field: "shards[0].file", "expected a file name inside the dataset directory")
        }
    }

    func testRecordingsTooLargeForMemoryAreRefusedBeforeAnythingIsWritten() throws {
        let out = try makeTemporaryDirectory().appendingPathComponent("new")
        dirs.append(out.deletingLastPathComponent())
        var o = try options(out)
        o.episodes = 2; o.steps = 1_000_000_000; o.episodesPerShard = nil
        XCTAssertThrowsError(try Recorder(options: o)) { XCTAssertTrue("\($0)".contains("lower --steps or --resolution"), "\($0)") }
        o.episodes = 1_000_000_000_000; o.steps = 8
        XCTAssertThrowsError(try Recorder(options: o)) { XCTAssertTrue("\($0)".contains("lower --episodes"), "\($0)") }
        o.steps = Int.max
        XCTAssertThrowsError(try Recorder(options: o)) { XCTAssertTrue("\($0)".contains("too large to hold"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // The figure and the flag, against a budget this test sets.
        XCTAssertThrowsError(try Recorder.checkMemory(episodeBytes: 1 << 20, episodesPerShard: 4, shardCount: 1,
                                                       budget: MemoryBudget(available: 1 << 20))) {
            XCTAssertEqual("\($0)", "one shard of 4 episodes (two are held at once) needs about 8.0 MiB of memory; this machine has 1.0 MiB available (MemAvailable in /proc/meminfo): lower --steps or --resolution, or --episodes-per-shard")
        }
    }

    /// scripts/check_dataset.py: a hostile manifest or shard is one line naming the file, never a
    /// traceback, and no path outside the dataset is opened.
    func testCheckDatasetScriptReportsHostileShardsWithoutATraceback() throws {
        let objectArrays = """
            import hashlib, json, sys, numpy as np
            d = sys.argv[1]
            names = ["frames", "states", "actions", "collisions", "seeds"]
            np.savez(f"{d}/shard-00000.npz", **{n: np.array([None, 1], dtype=object) for n in names})
            raw = open(f"{d}/shard-00000.npz", "rb").read()
            m = json.load(open(f"{d}/manifest.json"))
            m["shards"][0].update(sha256=hashlib.sha256(raw).hexdigest(), bytes=len(raw))
            json.dump(m, open(f"{d}/manifest.json", "w"))
            """
        let trials: [(URL, String)] = [
            (try dataset { shard(&$0, "file", "/etc/passwd") }, "shards[0].file: expected a file name inside the dataset directory"),
            (try dataset { shard(&$0, "file", "../../../../etc/passwd") }, "shards[0].file: expected a file name inside the dataset directory"),
            (try dataset { shard(&$0, "file", "gone.npz") }, "gone.npz: cannot be read (No such file or directory)"),
            (try dataset { $0.removeValue(forKey: "seeds") }, "manifest.json: unexpected content (KeyError: 'seeds')"),
            (try { let d = try dataset { _ in }; _ = try PythonSupport.run(objectArrays, [d.path]); return d }(),
             "shard-00000.npz: numpy.load cannot read it (ValueError"),
        ]
        for (dir, expected) in trials {
            let r = try PythonSupport.checkDataset(dir, json: false)
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertTrue(r.err.contains(expected), r.err)
            XCTAssertFalse(r.err.contains("Traceback"), r.err)
        }
    }

    func testMemAvailableIsRead() {
        XCTAssertGreaterThan(MemoryBudget.readMemAvailable() ?? 0, 0)
    }
}
