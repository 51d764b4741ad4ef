import Foundation

/// `manifest.json` of a dataset directory: what was recorded, how, and the checksum of every shard.
///
/// It holds no timestamps or host names, so the same recording gives the same bytes on every run
/// (a resumed run, or K joined `--shard` parts, end with exactly the manifest of one uninterrupted
/// run). JSON keys are snake_case and sorted.
public struct DatasetManifest: Codable, Equatable, Sendable {
    public static let formatName = "tumble-dataset"
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"
    public static let stateFields = ["x", "y", "angle", "vx", "vy", "omega"]

    public struct SceneInfo: Codable, Equatable, Sendable {
        public var name: String
        /// The scene's YAML text exactly as read, and its SHA-256 (hex).
        public var text: String
        public var sha256: String
        /// Observations per simulated second.
        public var observedHz: Double

        enum CodingKeys: String, CodingKey { case name, text, sha256, observedHz = "observed_hz" }
    }

    public struct FrameInfo: Codable, Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        /// `rgb` or `grey`.
        public var color: String
    }

    public struct SeedInfo: Codable, Equatable, Sendable {
        public var base: UInt64
        public var rule: String
    }

    public struct ViolationInfo: Codable, Equatable, Sendable {
        /// Types used, in the order pairs cycle through them.
        public var types: [String]
        public var pairs: Int
        public var layout: String
    }

    public struct PartInfo: Codable, Equatable, Sendable {
        public var index: Int
        public var count: Int
    }

    public struct ShardInfo: Codable, Equatable, Sendable {
        public var index: Int
        public var file: String
        public var firstEpisode: Int
        public var episodeCount: Int
        public var bytes: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case index, file, firstEpisode = "first_episode", episodeCount = "episode_count", bytes, sha256
        }
    }

    public struct ArrayInfo: Codable, Equatable, Sendable {
        public var name: String
        /// NumPy descriptor, e.g. `|u1`, `<f4`.
        public var dtype: String
        /// Shape with the leading episode axis written as -1 (it varies per shard).
        public var shape: [Int]
    }

    public var format: String
    public var formatVersion: Int
    public var tumbleVersion: String
    public var scene: SceneInfo
    public var frame: FrameInfo
    public var episodes: Int
    public var steps: Int
    public var bodies: Int
    public var actionDimension: Int
    public var stateFields: [String]
    public var seeds: SeedInfo
    public var episodesPerShard: Int
    public var shardCount: Int
    public var arrays: [ArrayInfo]
    public var violations: ViolationInfo?
    /// Set in a `--shard I/K` part; absent in a whole (or joined) dataset.
    public var part: PartInfo?
    /// Shards written so far (all of them, in order, once `complete`).
    public var shards: [ShardInfo]
    /// False while recording; a reader refuses an incomplete dataset.
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", tumbleVersion = "tumble_version", scene, frame, episodes, steps
        case bodies, actionDimension = "action_dimension", stateFields = "state_fields", seeds
        case episodesPerShard = "episodes_per_shard", shardCount = "shard_count", arrays, violations, part, shards, complete
    }

    /// Deterministic JSON: sorted keys, two-space indentation, trailing newline.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try! encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads and checks a manifest: format name and version first, so an old or foreign file gets
    /// that error rather than a decoding one.
    public static func read(_ url: URL) throws -> DatasetManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: url.path, field: "", problem: "cannot be read (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DatasetError(file: url.path, field: "", problem: "is not a JSON object")
        }
        guard object["format"] as? String == formatName else {
            throw DatasetError(file: url.path, field: "format", problem: "expected \"\(formatName)\", got \(object["format"].map { "\($0)" } ?? "nothing")")
        }
        guard let version = object["format_version"] as? Int else {
            throw DatasetError(file: url.path, field: "format_version", problem: "missing or not a whole number")
        }
        guard version == currentFormatVersion else {
            throw DatasetError(file: url.path, field: "format_version",
                               problem: "version \(version) is not supported (this Tumble reads version \(currentFormatVersion))")
        }
        let manifest: DatasetManifest
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw DatasetError(file: url.path, field: path(ctx.codingPath + [key]), problem: "missing")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw DatasetError(file: url.path, field: path(ctx.codingPath), problem: "expected \(type)")
        } catch let DecodingError.valueNotFound(type, ctx) {
            throw DatasetError(file: url.path, field: path(ctx.codingPath), problem: "expected \(type), got null")
        } catch let DecodingError.dataCorrupted(ctx) {
            if let field = oversizedNumber(in: object) {
                throw DatasetError(file: url.path, field: field, problem: "expected a whole number that fits in 64 bits")
            }
            throw DatasetError(file: url.path, field: path(ctx.codingPath), problem: ctx.debugDescription)
        }
        try manifest.checkBounds(file: url.path)
        return manifest
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The recording plan alone (no part, no shard list, not complete): two manifests describe parts
    /// of the same dataset exactly when their plans are equal.
    var plan: DatasetManifest {
        var m = self
        m.part = nil
        m.shards = []
        m.complete = false
        return m
    }

    /// Names of the plan fields where `self` and `other` differ (for clear resume/join errors).
    func planDifferences(from other: DatasetManifest) -> [String] {
        let a = plan, b = other.plan
        var out: [String] = []
        if a.format != b.format || a.formatVersion != b.formatVersion { out.append("format_version") }
        if a.tumbleVersion != b.tumbleVersion { out.append("tumble_version") }
        if a.scene != b.scene { out.append(a.scene.sha256 != b.scene.sha256 ? "scene (text differs)" : "scene") }
        if a.frame != b.frame { out.append("frame (resolution/colour)") }
        if a.episodes != b.episodes { out.append("episodes") }
        if a.steps != b.steps { out.append("steps") }
        if a.bodies != b.bodies || a.actionDimension != b.actionDimension { out.append("bodies/action_dimension") }
        if a.seeds != b.seeds { out.append("seeds.base") }
        if a.episodesPerShard != b.episodesPerShard || a.shardCount != b.shardCount { out.append("episodes_per_shard") }
        if a.arrays != b.arrays { out.append("arrays") }
        if a.violations != b.violations { out.append("violations") }
        if a.stateFields != b.stateFields { out.append("state_fields") }
        return out
    }
}
