import Foundation
import XCTest

/// `tumble record` end to end: the dataset on disk is what NumPy sees, the same seed gives the same
/// bytes, `--resume` keeps what is intact and repairs what is not, and nothing is ever overwritten.
final class RecordCommandTests: XCTestCase {
    /// The flags of the small recording most tests use.
    static let small = ["--episodes", "4", "--steps", "16", "--resolution", "32"]

    @discardableResult
    func record(_ args: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let r = try TumbleProcess.tumble(["record"] + args, in: dir)
        XCTAssertSucceeded(r, "tumble record \(args.joined(separator: " "))", file: file, line: line)
        return r
    }

    /// Every regular file of a directory with its bytes.
    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return out
    }

    /// NumPy alone (no Tumble code) loads the shard; names, dtypes, shapes, seeds and the shard's SHA-256
    /// agree with the manifest.
    static let numpyCheck = #"""
        import hashlib, json, sys
        import numpy as np
        d, E, T, R, N = sys.argv[1], *map(int, sys.argv[2:6])
        m = json.load(open(f"{d}/manifest.json"))
        assert m["format"] == "tumble-dataset" and m["format_version"] == 1 and m["complete"], m
        assert (m["episodes"], m["steps"], m["bodies"], m["shard_count"]) == (E, T, N, 1), m
        assert m["frame"] == {"width": R, "height": R, "channels": 3, "color": "rgb"}, m["frame"]
        assert m["scene"]["name"] == "bounce" and m["state_fields"] == ["x", "y", "angle", "vx", "vy", "omega"]
        assert hashlib.sha256(m["scene"]["text"].encode()).hexdigest() == m["scene"]["sha256"]
        shard = m["shards"][0]
        raw = open(f"{d}/{shard['file']}", "rb").read()
        assert hashlib.sha256(raw).hexdigest() == shard["sha256"] and len(raw) == shard["bytes"]
        z = np.load(f"{d}/{shard['file']}")
        want = {"frames": (np.uint8, (E, T, R, R, 3)), "states": (np.float32, (E, T, N, 6)),
                "actions": (np.float32, (E, T, 0)), "collisions": (np.bool_, (E, T, N)), "seeds": (np.int64, (E,))}
        assert sorted(z.files) == sorted(want), z.files
        for name, (dtype, shape) in want.items():
            assert z[name].dtype == dtype and z[name].shape == shape, (name, z[name].dtype, z[name].shape)
        for a in m["arrays"]:
            assert np.dtype(a["dtype"]) == z[a["name"]].dtype and list(z[a["name"]].shape[1:]) == a["shape"][1:], a
        f, s = z["frames"], z["states"]
        assert f.max() > 200 and f.min() == 0, "frames should show bright balls on a dark box"
        assert np.isfinite(s).all() and (s[..., 0:2] > 0).all() and (s[..., 0:2] < 20).all(), "positions inside the 20 m box"
        assert (np.abs(np.diff(s[:, :, :, 0], axis=1)) > 0).any(), "balls move"
        M = (1 << 64) - 1
        def seed(i):
            x = (m["seeds"]["base"] + (i + 1) * 0x9E3779B97F4A7C15) & M
            x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
            x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
            return x ^ (x >> 31)
        assert [int(v) & M for v in z["seeds"]] == [seed(i) for i in range(E)], "seeds follow the manifest's rule"
        print("numpy ok")
        """#

    func testRecordWritesAShardThatNumPyLoadsWithTheDocumentedArrays() throws {
        try TumbleProcess.requireNumPy()
        let dir = try temporaryDirectory("record-numpy", for: self)
        let r = try record(["bounce", "--out", "D"] + Self.small, in: dir)
        XCTAssertTrue(r.stdout.contains("recorded 1 shards (64 frames)"), r.output)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("D").path)),
                       ["manifest.json", "shard-00000.npz"], "only complete files, no temporaries left")
        let check = try TumbleProcess.python(Self.numpyCheck, ["D", "4", "16", "32", "8"], in: dir)
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.stdout.contains("numpy ok"), check.output)
        let script = TumbleProcess.packageRoot.appendingPathComponent("scripts/check_dataset.py").path
        let full = try TumbleProcess.run(TumbleProcess.python!, [script, "D"], in: dir)
        XCTAssertEqual(full.status, 0, full.output)
    }

    func testViolationPairsCarryTheirLabels() throws {
        try TumbleProcess.requireNumPy()
        let dir = try temporaryDirectory("record-pairs", for: self)
        try record(["bounce", "--out", "P", "--episodes", "6", "--steps", "12", "--resolution", "32", "--violations"], in: dir)
        let check = try TumbleProcess.python(#"""
            import numpy as np
            z = np.load("P/shard-00000.npz")
            vf, pair, kind, seeds, f = z["violation_frame"], z["pair"], z["violation_type"], z["seeds"], z["frames"]
            assert vf.dtype == np.int32 and pair.dtype == np.int64 and kind.shape == (6,), (vf.dtype, pair.dtype, kind.shape)
            assert list(pair) == [0, 0, 1, 1, 2, 2] and (vf[0::2] == -1).all() and (vf[1::2] > 0).all(), (pair, vf)
            assert (seeds[0::2] == seeds[1::2]).all() and (kind[0::2] == kind[1::2]).all()
            assert set(kind) == {"vanish", "teleport", "passThrough"}, kind
            for p in range(3):
                t = vf[2 * p + 1]
                assert (f[2 * p, :t] == f[2 * p + 1, :t]).all(), "identical up to the labelled frame"
                assert (f[2 * p, t] != f[2 * p + 1, t]).any(), "different at the labelled frame"
            print("pairs ok")
            """#, in: dir)
        XCTAssertEqual(check.status, 0, check.output)
    }

    func testSameSeedGivesByteIdenticalDatasetsAndAnotherSeedDoesNot() throws {
        let dir = try temporaryDirectory("record-determinism", for: self)
        try record(["bounce", "--out", "A"] + Self.small, in: dir)
        try record(["bounce", "--out", "B", "--workers", "1"] + Self.small, in: dir)
        try record(["bounce", "--out", "C", "--seed", "7"] + Self.small, in: dir)
        let a = try contents(dir.appendingPathComponent("A"))
        let b = try contents(dir.appendingPathComponent("B"))
        let c = try contents(dir.appendingPathComponent("C"))
        XCTAssertEqual(a.keys.sorted(), ["manifest.json", "shard-00000.npz"])
        XCTAssertEqual(a, b, "same seed, one worker or two: byte-identical manifest and shard")
        XCTAssertNotEqual(a["shard-00000.npz"], c["shard-00000.npz"], "another seed records other episodes")
    }

    func testResumeOnACompletedDatasetIsANoOp() throws {
        let dir = try temporaryDirectory("record-resume-done", for: self)
        try record(["bounce", "--out", "D"] + Self.small, in: dir)
        let d = dir.appendingPathComponent("D")
        let before = try contents(d)
        let shard = d.appendingPathComponent("shard-00000.npz").path
        let inode = try FileManager.default.attributesOfItem(atPath: shard)[.systemFileNumber] as? Int
        let r = try record(["bounce", "--out", "D", "--resume"] + Self.small, in: dir)
        XCTAssertTrue(r.stdout.contains("recorded 0 shards") && r.stdout.contains("kept 1"), r.output)
        XCTAssertEqual(try contents(d), before)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: shard)[.systemFileNumber] as? Int, inode,
                       "the intact shard is kept, not rewritten")
    }

    func testResumeRewritesADamagedShardToTheSameBytes() throws {
        let dir = try temporaryDirectory("record-resume-damaged", for: self)
        try record(["bounce", "--out", "D"] + Self.small, in: dir)
        let d = dir.appendingPathComponent("D")
        let before = try contents(d)
        let shard = d.appendingPathComponent("shard-00000.npz")
        var damaged = before["shard-00000.npz"]!
        damaged[damaged.count / 2] ^= 0xFF
        try damaged.write(to: shard)
        let r = try record(["bounce", "--out", "D", "--resume"] + Self.small, in: dir)
        XCTAssertTrue(r.stderr.contains("shard-00000.npz"), "the damaged shard is reported:\n\(r.output)")
        XCTAssertTrue(r.stdout.contains("recorded 1 shards"), r.output)
        XCTAssertEqual(try contents(d), before, "rewritten byte-identical to the original")
    }

    func testANonEmptyDirectoryWithoutResumeIsRefusedAndLeftAlone() throws {
        let dir = try temporaryDirectory("record-refuse", for: self)
        try record(["bounce", "--out", "D"] + Self.small, in: dir)
        let d = dir.appendingPathComponent("D")
        let before = try contents(d)
        let again = try TumbleProcess.tumble(["record", "bounce", "--out", "D"] + Self.small, in: dir)
        XCTAssertFailed(again, "recording into a finished dataset without --resume")
        XCTAssertTrue(again.stderr.contains("--resume") && again.stderr.contains(d.lastPathComponent), again.output)
        XCTAssertEqual(try contents(d), before, "nothing overwritten")

        let other = dir.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: other.appendingPathComponent("notes.txt"))
        let r = try TumbleProcess.tumble(["record", "bounce", "--out", "notes"] + Self.small, in: dir)
        XCTAssertFailed(r, "recording into a directory holding other files")
        XCTAssertTrue(r.stderr.contains("notes"), r.output)
        XCTAssertEqual(try contents(other), ["notes.txt": Data("keep me".utf8)])

        let changed = try TumbleProcess.tumble(["record", "bounce", "--out", "D", "--resume", "--seed", "3"] + Self.small, in: dir)
        XCTAssertFailed(changed, "--resume with different flags")
        XCTAssertTrue(changed.stderr.contains("seeds.base"), changed.output)
        XCTAssertEqual(try contents(d), before)
    }

    func testBadFlagsGiveClearErrors() throws {
        let dir = try temporaryDirectory("record-flags", for: self)
        let cases: [([String], String)] = [
            (["bounce", "--out", "X", "--episodes", "0"], "--episodes"),
            (["bounce", "--out", "X", "--shard", "2/2"], "--shard"),
            (["bounce", "--out", "X", "--episodes", "3", "--violations"], "even"),
            (["nosuchscene", "--out", "X"], "nosuchscene"),
            (["bounce"], "--out"),
        ]
        for (args, needle) in cases {
            let r = try TumbleProcess.tumble(["record"] + args, in: dir)
            XCTAssertFailed(r, "tumble record \(args.joined(separator: " "))")
            XCTAssertTrue(r.stderr.contains(needle), "expected '\(needle)' in:\n\(r.output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("X/manifest.json").path),
                       "nothing written on bad flags")
    }

    /// `--shard I/K` parts recorded into one directory and joined equal the unsharded recording, byte for byte.
    func testShardedPartsJoinIntoTheUnshardedDataset() throws {
        let dir = try temporaryDirectory("record-join", for: self)
        let flags = ["--episodes", "6", "--steps", "8", "--resolution", "16", "--episodes-per-shard", "2"]
        try record(["bounce", "--out", "whole"] + flags, in: dir)
        try record(["bounce", "--out", "parts", "--shard", "0/2"] + flags, in: dir)
        let early = try TumbleProcess.tumble(["record", "--join", "parts"], in: dir)
        XCTAssertFailed(early, "joining with a part missing")
        XCTAssertTrue(early.stderr.contains("1/2"), early.output)
        try record(["bounce", "--out", "parts", "--shard", "1/2"] + flags, in: dir)
        let joined = try record(["--join", "parts"], in: dir)
        XCTAssertTrue(joined.stdout.contains("joined 3 shards (6 episodes)"), joined.output)
        let whole = try contents(dir.appendingPathComponent("whole"))
        let parts = try contents(dir.appendingPathComponent("parts"))
        XCTAssertEqual(whole.keys.sorted(), ["manifest.json", "shard-00000.npz", "shard-00001.npz", "shard-00002.npz"])
        for (name, bytes) in whole { XCTAssertEqual(parts[name], bytes, "\(name) differs after the join") }
    }
}
