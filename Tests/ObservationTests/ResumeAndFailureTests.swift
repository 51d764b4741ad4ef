import Common
import Foundation
import Physics
import XCTest
@testable import Observation

/// Interrupted, corrupted and failing recordings: each must end byte-identical to a clean run or
/// leave a clear error and no half-written file.
final class ResumeAndFailureTests: DirectoryTestCase {
    func options(_ out: URL, resume: Bool = false) throws -> RecordOptions {
        var o = RecordOptions(scene: try Scene.load("bounce"), output: out, tumbleVersion: "test")
        o.episodes = 8
        o.steps = 10
        o.episodesPerShard = 2
        o.resolution = 16
        o.seed = 4
        o.resume = resume
        return o
    }


    /// A writer whose disk is full after `capacity` bytes in total (ENOSPC from then on).
    final class FullDisk: @unchecked Sendable {
        var remaining: Int
        let lock = NSLock()
        init(capacity: Int) { remaining = capacity }
        var writer: AtomicFile {
            var w = AtomicFile()
            w.writeCall = { fd, p, n in
                self.lock.lock()
                defer { self.lock.unlock() }
                if self.remaining <= 0 { return (-1, ENOSPC) }
                let k = min(n, self.remaining, 4096)
                self.remaining -= k
                let r = write(fd, p, k)
                return (r, r < 0 ? errno : 0)
            }
            return w
        }
    }

    func reference() throws -> [String: Data] {
        let clean = try tempDir().appendingPathComponent("clean")
        _ = try Recorder(options: try options(clean)).run()
        return try contents(clean)
    }

    func testFullDiskOnTheFirstShardLeavesNothingBehind() throws {
        let out = try tempDir().appendingPathComponent("full")
        let recorder = try Recorder(options: try options(out))
        recorder.fileWriter = FullDisk(capacity: 20_000).writer
        XCTAssertThrowsError(try recorder.run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("No space left on device"), text)
            XCTAssertTrue(text.contains("shard-00000.npz"), text)
            XCTAssertTrue(text.contains("temporary file removed"), text)
            XCTAssertTrue(text.contains("nothing was kept"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "the directory this run created is gone again")
    }

    func testFullDiskMidwayIsResumableToTheSameBytes() throws {
        let expected = try reference()
        let shardBytes = expected["shard-00000.npz"]!.count
        let manifestBytes = expected["manifest.json"]!.count
        let out = try tempDir().appendingPathComponent("midway")
        let recorder = try Recorder(options: try options(out))
        // Room for the first manifest, two shards and their manifest updates, then half a shard.
        recorder.fileWriter = FullDisk(capacity: 3 * manifestBytes + 2 * shardBytes + shardBytes / 2).writer
        XCTAssertThrowsError(try recorder.run()) { error in
            XCTAssertTrue("\(error)".contains("2 of 4 shards are complete"), "\(error)")
            XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
        }
        let left = try contents(out)
        XCTAssertFalse(left.keys.contains { $0.hasSuffix(".tmp") }, "no temporary file survives: \(left.keys.sorted())")
        XCTAssertEqual(left["shard-00000.npz"], expected["shard-00000.npz"])
        XCTAssertNil(left["shard-00002.npz"])
        XCTAssertThrowsError(try Dataset(directory: out)) { XCTAssertTrue("\($0)".contains("not finished"), "\($0)") }

        let summary = try Recorder(options: try options(out, resume: true)).run()
        XCTAssertEqual(summary.shardsKept, 2)
        XCTAssertEqual(summary.shardsWritten, 2)
        XCTAssertEqual(try contents(out), expected)
    }

    func testResumeAfterAKillEndsByteIdentical() throws {
        let expected = try reference()
        let out = try tempDir().appendingPathComponent("killed")
        // What a kill leaves: a manifest listing shard 0 only, shard 1 renamed but not yet listed,
        // shard 2 half-written under its temporary name.
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var manifest = try JSONDecoder().decode(DatasetManifest.self, from: expected["manifest.json"]!)
        manifest.shards = [manifest.shards[0]]
        manifest.complete = false
        try manifest.encoded().write(to: out.appendingPathComponent("manifest.json"))
        try expected["shard-00000.npz"]!.write(to: out.appendingPathComponent("shard-00000.npz"))
        try expected["shard-00001.npz"]!.write(to: out.appendingPathComponent("shard-00001.npz"))
        try expected["shard-00002.npz"]!.prefix(1000).write(to: out.appendingPathComponent("shard-00002.npz.tmp"))

        XCTAssertThrowsError(try Recorder(options: try options(out)).run()) { XCTAssertTrue("\($0)".contains("add --resume"), "\($0)") }
        let recorder = try Recorder(options: try options(out, resume: true))
        var messages: [String] = []
        recorder.onMessage = { messages.append($0) }
        let summary = try recorder.run()
        XCTAssertEqual(summary.shardsKept, 1)
        XCTAssertEqual(summary.shardsWritten, 3)
        XCTAssertTrue(messages.contains { $0.contains("shard-00001.npz is not in manifest.json") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.contains("removed leftover temporary file shard-00002.npz.tmp") }, "\(messages)")
        XCTAssertEqual(try contents(out), expected)
    }

    func testCorruptShardIsReportedAndRewritten() throws {
        let expected = try reference()
        let out = try tempDir().appendingPathComponent("corrupt")
        _ = try Recorder(options: try options(out)).run()
        let path = out.appendingPathComponent("shard-00002.npz")
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: path)
        let data = try Dataset(directory: out)
        XCTAssertThrowsError(try data.shard(2)) { error in
            XCTAssertEqual((error as? DatasetError)?.field, "sha256")
            XCTAssertTrue("\(error)".contains("shard-00002.npz"), "\(error)")
        }
        XCTAssertThrowsError(try data.verify())
        XCTAssertNoThrow(try data.shard(1))
        try Data(expected["shard-00003.npz"]!.prefix(500)).write(to: out.appendingPathComponent("shard-00003.npz"))
        XCTAssertThrowsError(try Dataset(directory: out)) { XCTAssertTrue("\($0)".contains("holds 500 bytes"), "\($0)") }

        let recorder = try Recorder(options: try options(out, resume: true))
        var messages: [String] = []
        recorder.onMessage = { messages.append($0) }
        let summary = try recorder.run()
        XCTAssertEqual(summary.shardsWritten, 2)
        XCTAssertTrue(messages.contains { $0.contains("shard-00002.npz: checksum mismatch") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.contains("shard-00003.npz: checksum mismatch") }, "\(messages)")
        XCTAssertEqual(try contents(out), expected)
        XCTAssertNoThrow(try Dataset(directory: out).verify())
    }
}
