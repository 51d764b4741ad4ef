import Common
import Foundation
import Physics
import XCTest
@testable import Observation

/// A grey scene whose box count varies per episode (so shards carry `mask`), with gravity and contacts.
let varyingScene = """
name: varying
description: Up to four boxes falling into a bin.
world: {width: 10, height: 10}
gravity: [0, -9.81]
observeEvery: 2
camera: {resolution: 20, color: grey, background: [30, 30, 40]}
walls:
  - {type: frame, thickness: 0.4, color: [120, 120, 120]}
bodies:
  - name: box
    count: [1, 4]
    shape: box
    width: [0.8, 1.2]
    height: [0.8, 1.2]
    position: {x: [1.5, 8.5], y: [2, 8]}
    color: [[200, 60, 60], [60, 200, 60]]
"""

final class RecorderTests: DirectoryTestCase {
    func options(_ scene: Scene, _ out: URL, episodes: Int = 8, steps: Int = 10, perShard: Int? = 2,
                 violations: Bool = false, resolution: Int? = 16, seed: UInt64 = 1) -> RecordOptions {
        var o = RecordOptions(scene: scene, output: out, tumbleVersion: "test")
        o.episodes = episodes
        o.steps = steps
        o.episodesPerShard = perShard
        o.violations = violations
        o.resolution = resolution
        o.seed = seed
        return o
    }


    func testRecordingIsDeterministicAndIndependentOfThreadCount() throws {
        let scene = try Scene.load("bounce")
        let a = try tempDir().appendingPathComponent("a"), b = try tempDir().appendingPathComponent("b")
        var oa = options(scene, a), ob = options(scene, b)
        oa.workers = 2
        ob.workers = 1
        let summary = try Recorder(options: oa).run()
        _ = try Recorder(options: ob).run()
        XCTAssertEqual(summary.shardsWritten, 4)
        XCTAssertEqual(summary.framesRecorded, 80)
        let ca = try contents(a)
        XCTAssertEqual(Set(ca.keys), ["manifest.json", "shard-00000.npz", "shard-00001.npz", "shard-00002.npz", "shard-00003.npz"])
        XCTAssertEqual(ca, try contents(b), "same plan, same bytes, whatever the thread count")
        let c = try tempDir().appendingPathComponent("c")
        _ = try Recorder(options: options(scene, c, seed: 2)).run()
        XCTAssertNotEqual(try contents(c)["shard-00000.npz"], ca["shard-00000.npz"])

        let data = try Dataset(directory: a)
        XCTAssertEqual(data.manifest.episodes, 8)
        XCTAssertEqual(data.manifest.seeds.base, 1)
        XCTAssertEqual(data.manifest.scene.text, scene.source)
        let shard = try data.shard(1)
        XCTAssertEqual(shard.episodes, 2..<4)
        XCTAssertEqual(shard.seeds, [EpisodeSeeds.seed(base: 1, index: 2), EpisodeSeeds.seed(base: 1, index: 3)])
        XCTAssertNil(shard.mask, "bounce always has 8 balls")
        // A shard episode is exactly what the stream records for its seed.
        let stream = try ObservationStream(scene: scene, resolution: 16)
        let episode = EpisodeBuffer(steps: 10, for: stream)
        stream.record(seed: shard.seeds[1], into: episode)
        XCTAssertEqual(Array(shard.frames[(10 * 768)..<(20 * 768)]), Array(episode.frames))
        XCTAssertEqual(Array(shard.states[(10 * 48)..<(20 * 48)]), Array(episode.states))
        XCTAssertTrue(shard.collisions.contains(true), "balls hit walls or each other within 10 steps")
    }

    func testNumPyReadsShardsWithTheDocumentedNamesDtypesShapesAndValues() throws {
        let dir = try tempDir()
        let pairs = dir.appendingPathComponent("pairs"), varying = dir.appendingPathComponent("varying")
        _ = try Recorder(options: options(try Scene.load("bounce"), pairs, episodes: 6, steps: 12, perShard: 4, violations: true)).run()
        _ = try Recorder(options: options(try Scene(yaml: varyingScene), varying, episodes: 3, steps: 6, perShard: nil, resolution: nil)).run()
        let script = """
        import sys, json, hashlib, numpy as np
        out = {}
        for d in sys.argv[1:]:
            m = json.load(open(d + '/manifest.json'))
            for s in m['shards']:
                raw = open(d + '/' + s['file'], 'rb').read()
                assert hashlib.sha256(raw).hexdigest() == s['sha256']
                z = np.load(d + '/' + s['file'])
                out[d + '/' + s['file']] = {k: [z[k].dtype.str, list(z[k].shape), hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest()] for k in z.files}
                if 'violation_type' in z.files:
                    out[d + '/' + s['file']]['_labels'] = [z['violation_type'].tolist(), z['violation_frame'].tolist(), z['pair'].tolist()]
        print(json.dumps(out))
        """
        let text = try PythonSupport.run(script, [pairs.path, varying.path])
        let result = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: [String: [Any]]]

        func check(_ dir: URL, expectNames: Set<String>) throws {
            let data = try Dataset(directory: dir)
            for i in 0..<data.shardCount {
                let shard = try data.shard(i)
                let py = result[dir.appendingPathComponent(data.manifest.shards[i].file).path]!
                XCTAssertEqual(Set(py.keys.filter { $0 != "_labels" }), expectNames)
                let e = shard.episodeCount, t = shard.steps, n = shard.bodyCount
                func expect(_ name: String, _ dtype: String, _ shape: [Int], _ bytes: Data) {
                    XCTAssertEqual(py[name]?[0] as? String, dtype, name)
                    XCTAssertEqual(py[name]?[1] as? [Int], shape, name)
                    XCTAssertEqual(py[name]?[2] as? String, FileDigest.sha256(bytes), "\(name) values agree with NumPy")
                }
                expect("frames", "|u1", [e, t] + shard.frameShape, Data(shard.frames))
                expect("states", "<f4", [e, t, n, 6], shard.states.withUnsafeBytes { Data($0) })
                expect("actions", "<f4", [e, t, shard.actionDimension], shard.actions.withUnsafeBytes { Data($0) })
                expect("collisions", "|b1", [e, t, n], Data(shard.collisions.map { $0 ? 1 : 0 }))
                expect("seeds", "<i8", [e], shard.seeds.withUnsafeBytes { Data($0) })
                if let mask = shard.mask { expect("mask", "|b1", [e, n], Data(mask.map { $0 ? 1 : 0 })) }
                if let vf = shard.violationFrame, let pair = shard.pair, let types = shard.violationType {
                    expect("violation_frame", "<i4", [e], vf.withUnsafeBytes { Data($0) })
                    expect("pair", "<i8", [e], pair.withUnsafeBytes { Data($0) })
                    let labels = py["_labels"]!
                    XCTAssertEqual(labels[0] as? [String], types)
                    XCTAssertEqual(labels[1] as? [Int], vf.map(Int.init))
                    XCTAssertEqual(labels[2] as? [Int], pair.map(Int.init))
                    XCTAssertEqual(py["violation_type"]?[0] as? String, "<U12")
                }
            }
        }
        let base: Set<String> = ["frames", "states", "actions", "collisions", "seeds"]
        try check(pairs, expectNames: base.union(["violation_frame", "pair", "violation_type"]))
        try check(varying, expectNames: base.union(["mask"]))

        // Pair structure: 2p possible (-1), 2p+1 impossible; same seed; types cycle through the scene's list.
        let data = try Dataset(directory: pairs)
        var allTypes: [String] = []
        for i in 0..<data.shardCount {
            let s = try data.shard(i)
            for k in stride(from: 0, to: s.episodeCount, by: 2) {
                XCTAssertEqual(s.violationFrame![k], -1)
                XCTAssertGreaterThan(s.violationFrame![k + 1], 0)
                XCTAssertEqual(s.seeds[k], s.seeds[k + 1])
                XCTAssertEqual(s.pair![k], Int64((s.episodes.lowerBound + k) / 2))
                XCTAssertEqual(s.pair![k], s.pair![k + 1])
                let vf = Int(s.violationFrame![k + 1])
                let before = s.frame(episode: k, step: vf - 1), after = s.frame(episode: k, step: vf)
                XCTAssertEqual(before, s.frame(episode: k + 1, step: vf - 1))
                XCTAssertNotEqual(after, s.frame(episode: k + 1, step: vf))
                allTypes.append(s.violationType![k])
            }
        }
        XCTAssertEqual(allTypes, ["vanish", "teleport", "passThrough"])

        // The repository's NumPy-only checker agrees (it is what CI and users run on real datasets).
        for (d, summary) in [(pairs, #""violation_pairs_by_type": {"passThrough": 1, "teleport": 1, "vanish": 1}"#),
                             (varying, #""frames": 18"#)] {
            let r = try PythonSupport.checkDataset(d)
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.out.contains(summary), r.out)
        }
        let shardPath = pairs.appendingPathComponent("shard-00001.npz")
        var bytes = try Data(contentsOf: shardPath)
        bytes[bytes.count - 100] ^= 1
        try bytes.write(to: shardPath)
        let broken = try PythonSupport.checkDataset(pairs)
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.err.contains("shard-00001.npz: SHA-256 differs"), broken.err)

        let v = try Dataset(directory: varying)
        let mask = try v.shard(0).mask!
        XCTAssertEqual(mask.count, 3 * 4)
        XCTAssertTrue(mask.contains(false), "some episode has fewer than 4 boxes")
        XCTAssertEqual(v.manifest.frame.channels, 1)
        XCTAssertEqual(v.manifest.frame.width, 20)
    }

    func testShardedPartsJoinIntoExactlyTheUnshardedDataset() throws {
        let scene = try Scene.load("bounce")
        let whole = try tempDir().appendingPathComponent("whole")
        _ = try Recorder(options: options(scene, whole, episodes: 10)).run()
        // Three machines writing into one shared directory…
        let shared = try tempDir().appendingPathComponent("shared")
        for i in 0..<3 {
            var o = options(scene, shared, episodes: 10)
            o.part = .init(index: i, count: 3)
            let r = try Recorder(options: o)
            XCTAssertEqual(r.ownShards, Array(stride(from: i, to: 5, by: 3)))
            _ = try r.run()
        }
        XCTAssertThrowsError(try Dataset(directory: shared)) { XCTAssertTrue("\($0)".contains("join them"), "\($0)") }
        try Recorder.join([shared])
        var joined = try contents(shared)
        for name in joined.keys where name.hasPrefix("manifest.part-") { joined[name] = nil }
        XCTAssertEqual(joined, try contents(whole))

        // …or each into its own directory, joined into a fresh one.
        let parts = try (0..<2).map { i -> URL in
            let d = try tempDir().appendingPathComponent("part\(i)")
            var o = options(scene, d, episodes: 10)
            o.part = .init(index: i, count: 2)
            _ = try Recorder(options: o).run()
            return d
        }
        let out = try tempDir().appendingPathComponent("joined")
        XCTAssertThrowsError(try Recorder.join([parts[0]], into: out)) { XCTAssertTrue("\($0)".contains("parts 1/2 are missing"), "\($0)") }
        try Recorder.join(parts, into: out)
        XCTAssertEqual(try contents(out), try contents(whole))

        // Parts of different recordings are refused, naming what differs.
        let other = try tempDir().appendingPathComponent("other")
        var o = options(scene, other, episodes: 10, seed: 9)
        o.part = .init(index: 1, count: 2)
        _ = try Recorder(options: o).run()
        XCTAssertThrowsError(try Recorder.join([parts[0], other], into: try tempDir())) {
            XCTAssertTrue("\($0)".contains("seeds.base"), "\($0)")
        }
    }

    func testBadFlagsAreRejectedBeforeAnythingIsWritten() throws {
        let scene = try Scene.load("bounce")
        for (text, fragment) in [("3/2", "I must be in 0...1"), ("2/2", "I must be in 0...1"), ("a/b", "expected I/K"),
                                 ("1/0", "K must be at least 1"), ("-1/2", "I must be in"), ("1", "expected I/K")] {
            XCTAssertThrowsError(try RecordOptions.parsePart(text), text) { XCTAssertTrue("\($0)".contains(fragment), "\($0)") }
        }
        XCTAssertEqual(try RecordOptions.parsePart("2/5"), .init(index: 2, count: 5))
        let out = try tempDir().appendingPathComponent("never")
        let cases: [(RecordOptions, String)] = [
            (options(scene, out, episodes: 0), "--episodes must be at least 1"),
            (options(scene, out, steps: 0), "--steps must be at least 1"),
            (options(scene, out, resolution: 0), "--resolution must be in 8...1024"),
            (options(scene, out, perShard: 0), "--episodes-per-shard must be at least 1"),
            (options(scene, out, episodes: 5, violations: true), "--episodes must be even"),
            (options(scene, out, perShard: 3, violations: true), "--episodes-per-shard must be even"),
            (options(scene, out, steps: 2, violations: true), "--steps of at least 3"),
            (options(try Scene(yaml: varyingScene), out, violations: true), "lists no violation types"),
        ]
        for (o, fragment) in cases {
            XCTAssertThrowsError(try Recorder(options: o).run()) { XCTAssertTrue("\($0)".contains(fragment), "\($0) lacks \(fragment)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing was created")
    }

    func testUnusableOutputDirectoriesGiveClearErrors() throws {
        let scene = try Scene.load("bounce")
        let dir = try tempDir()
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try Recorder(options: options(scene, file)).run()) {
            XCTAssertTrue("\($0)".contains("exists and is not a directory"), "\($0)")
        }
        XCTAssertThrowsError(try Recorder(options: options(scene, file.appendingPathComponent("sub"))).run()) {
            XCTAssertTrue("\($0)".contains("cannot create output directory"), "\($0)")
        }
        // An existing directory we may not write to (root ignores permission bits, so root uses /proc/self).
        var locked = URL(fileURLWithPath: "/proc/self")
        if getuid() != 0 {
            locked = dir.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
        }
        if access(locked.path, W_OK) != 0 {
            XCTAssertThrowsError(try Recorder(options: options(scene, locked)).run()) {
                XCTAssertTrue("\($0)".contains("is not writable"), "\($0)")
            }
        }
        // A directory with unrelated files is refused with or without --resume, and left untouched.
        let busy = dir.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: busy.appendingPathComponent("notes.txt"))
        for resume in [false, true] {
            var o = options(scene, busy)
            o.resume = resume
            XCTAssertThrowsError(try Recorder(options: o).run()) { XCTAssertTrue("\($0)".contains("is not empty (notes.txt)"), "\($0)") }
        }
        XCTAssertEqual(try contents(busy).keys.sorted(), ["notes.txt"])
        // A finished recording is not overwritten without --resume; with it, nothing needs doing.
        let done = dir.appendingPathComponent("done")
        _ = try Recorder(options: options(scene, done)).run()
        let before = try contents(done)
        XCTAssertThrowsError(try Recorder(options: options(scene, done)).run()) { XCTAssertTrue("\($0)".contains("add --resume"), "\($0)") }
        var again = options(scene, done)
        again.resume = true
        let summary = try Recorder(options: again).run()
        XCTAssertEqual(summary.shardsWritten, 0)
        XCTAssertEqual(summary.shardsKept, 4)
        XCTAssertEqual(try contents(done), before)
        // --resume with different flags names the difference.
        var changed = options(scene, done, steps: 11)
        changed.resume = true
        XCTAssertThrowsError(try Recorder(options: changed).run()) { XCTAssertTrue("\($0)".contains("differs in: steps"), "\($0)") }
    }
}
