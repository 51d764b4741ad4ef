import Common
import Foundation

/// A recorded dataset directory, opened for reading by training and evaluation.
///
/// Opening reads `manifest.json` and checks its format version, that the recording is complete and
/// that every shard file is present with the recorded size. `shard(_:)` reads one shard, checks its
/// SHA-256 against the manifest and every array's dtype and shape, so a reader never trains on a
/// corrupt or mislabelled file. Errors name the file and the field.
public struct Dataset: Sendable {
    public let directory: URL
    public let manifest: DatasetManifest

    public init(directory: URL) throws {
        self.directory = directory
        let url = directory.appendingPathComponent(DatasetManifest.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let parts = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasPrefix("manifest.part-") } ?? []
            let hint = parts.isEmpty ? "not a Tumble dataset directory" : "only part manifests found: join them with `tumble record --join \(directory.path)`"
            throw DatasetError(file: url.path, field: "", problem: "missing (\(hint))")
        }
        let m = try DatasetManifest.read(url)
        guard m.complete else {
            throw DatasetError(file: url.path, field: "complete", problem: "the recording is not finished (run the same `tumble record` command with --resume)")
        }
        guard m.part == nil else {
            throw DatasetError(file: url.path, field: "part", problem: "this is one part of a sharded recording; join the parts first")
        }
        guard m.shards.count == m.shardCount, m.shards.map(\.index) == Array(0..<m.shardCount) else {
            throw DatasetError(file: url.path, field: "shards", problem: "expected \(m.shardCount) shards numbered 0..<\(m.shardCount), found \(m.shards.count)")
        }
        var next = 0
        for s in m.shards {
            guard s.firstEpisode == next, s.episodeCount > 0 else {
                throw DatasetError(file: url.path, field: "shards[\(s.index)].first_episode", problem: "expected \(next), got \(s.firstEpisode)")
            }
            next += s.episodeCount
            let path = directory.appendingPathComponent(s.file).path
            guard let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int else {
                throw DatasetError(file: path, field: "", problem: "missing (listed in the manifest)")
            }
            guard size == s.bytes else {
                throw DatasetError(file: path, field: "", problem: "holds \(size) bytes, manifest says \(s.bytes) (truncated or replaced)")
            }
        }
        guard next == m.episodes else {
            throw DatasetError(file: url.path, field: "episodes", problem: "shards hold \(next) episodes, manifest says \(m.episodes)")
        }
        manifest = m
    }

    public var shardCount: Int { manifest.shardCount }
    public var episodeCount: Int { manifest.episodes }

    /// SHA-256 of `manifest.json` itself (what evaluation reports cite).
    public func manifestSHA256() throws -> String {
        try FileDigest.sha256(fileAt: directory.appendingPathComponent(DatasetManifest.fileName).path)
    }

    /// Re-hashes every shard without decoding it; throws on the first mismatch.
    public func verify() throws {
        for s in manifest.shards {
            let path = directory.appendingPathComponent(s.file).path
            let sha = try FileDigest.sha256(fileAt: path)
            guard sha == s.sha256 else {
                throw DatasetError(file: path, field: "sha256", problem: "checksum mismatch (manifest \(s.sha256), file \(sha)): the file is corrupt")
            }
        }
    }

    /// Reads, verifies and decodes shard `index`.
    public func shard(_ index: Int) throws -> DatasetShard {
        guard index >= 0 && index < manifest.shardCount else {
            throw DatasetError(file: directory.path, field: "shard", problem: "index \(index) out of range 0..<\(manifest.shardCount)")
        }
        let info = manifest.shards[index]
        let url = directory.appendingPathComponent(info.file)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: url.path, field: "", problem: "cannot be read (\(error.localizedDescription))")
        }
        return try data.withUnsafeBytes { bytes in
            let sha = FileDigest.sha256(bytes)
            guard sha == info.sha256 else {
                throw DatasetError(file: url.path, field: "sha256", problem: "checksum mismatch (manifest \(info.sha256), file \(sha)): the file is corrupt")
            }
            let arrays = try NPZFile.read(bytes: bytes, file: url.path)
            return try DatasetShard(arrays: arrays, info: info, manifest: manifest, file: url.path)
        }
    }
}

/// One decoded shard: `episodeCount` episodes in C order, shapes as in the manifest.
public struct DatasetShard: Sendable {
    public let index: Int
    /// Global episode indices held here.
    public let episodes: Range<Int>
    public let steps: Int
    /// `[H, W, C]`.
    public let frameShape: [Int]
    public let bodyCount: Int
    public let actionDimension: Int

    /// [E, T, H, W, C]
    public let frames: [UInt8]
    /// [E, T, N, 6]: x, y, angle, vx, vy, ω
    public let states: [Float]
    /// [E, T, A]
    public let actions: [Float]
    /// [E, T, N]: body began a contact during the step into t.
    public let collisions: [Bool]
    /// [E]: each episode's seed (UInt64 bit pattern, stored as int64).
    public let seeds: [UInt64]
    /// [E, N] when the scene's body count varies: which rows hold a body.
    public let mask: [Bool]?
    /// [E] with violations: -1 for possible clips, else the first impossible frame.
    public let violationFrame: [Int32]?
    /// [E] with violations: the pair index shared by both clips.
    public let pair: [Int64]?
    /// [E] with violations: `vanish`, `teleport`, `passThrough` or `immutability`.
    public let violationType: [String]?

    public var episodeCount: Int { episodes.count }
    public var frameByteCount: Int { frameShape.reduce(1, *) }

    /// Frame `t` of local episode `e`, `[H, W, C]` bytes.
    public func frame(episode e: Int, step t: Int) -> ArraySlice<UInt8> {
        let start = (e * steps + t) * frameByteCount
        return frames[start..<(start + frameByteCount)]
    }

    init(arrays: [String: NPYArray], info: DatasetManifest.ShardInfo, manifest m: DatasetManifest, file: String) throws {
        let e = info.episodeCount
        index = info.index
        episodes = info.firstEpisode..<(info.firstEpisode + e)
        steps = m.steps
        frameShape = [m.frame.height, m.frame.width, m.frame.channels]
        bodyCount = m.bodies
        actionDimension = m.actionDimension
        let expected = Set(m.arrays.map(\.name))
        for name in arrays.keys where !expected.contains(name) {
            throw DatasetError(file: file, field: name, problem: "unexpected array (manifest lists \(m.arrays.map(\.name).joined(separator: ", ")))")
        }
        func array(_ name: String) throws -> NPYArray? {
            guard let spec = m.arrays.first(where: { $0.name == name }) else { return nil }
            guard let a = arrays[name] else { throw DatasetError(file: file, field: name, problem: "missing from the shard") }
            let shape = [e] + spec.shape.dropFirst()
            guard a.type.descr == spec.dtype, a.shape == shape else {
                throw DatasetError(file: file, field: name, problem: "expected \(spec.dtype) \(shape), got \(a.type.descr) \(a.shape)")
            }
            return a
        }
        func required(_ name: String) throws -> NPYArray {
            guard let a = try array(name) else {
                throw DatasetError(file: file, field: name, problem: "not listed in the manifest's arrays")
            }
            return a
        }
        frames = try required("frames").uint8s!
        states = try required("states").float32s!
        actions = try required("actions").float32s!
        collisions = try required("collisions").bools!
        seeds = try required("seeds").int64s!.map { UInt64(bitPattern: $0) }
        mask = try array("mask")?.bools
        violationFrame = try array("violation_frame")?.int32s
        pair = try array("pair")?.int64s
        violationType = try array("violation_type")?.strings
        if m.violations != nil, violationFrame == nil || pair == nil || violationType == nil {
            throw DatasetError(file: file, field: "violation_frame", problem: "a violations dataset needs violation_frame, pair and violation_type")
        }
        for (i, seed) in seeds.enumerated() {
            let want = EpisodeSeeds.seed(base: m.seeds.base, episode: episodes.lowerBound + i, pairs: m.violations != nil)
            guard seed == want else {
                throw DatasetError(file: file, field: "seeds", problem: "episode \(episodes.lowerBound + i) has seed \(seed), the manifest's rule gives \(want)")
            }
        }
    }
}
