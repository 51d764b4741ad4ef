import Foundation

/// The counts and names in a manifest are checked before any reader sizes memory or opens a file
/// by them: an `episodes` edited to 10^9 must be an error naming the field, not a failed
/// allocation, and a shard `file` of `../../etc/passwd` must not be opened at all.
extension DatasetManifest {
    /// Largest frame side a manifest may claim (what `--resolution` accepts).
    public static let maxFrameSide = 4096
    /// Deflate's largest expansion: no zip entry decodes to more than this many times its bytes.
    static let maxDeflateRatio = 1032

    /// Bytes one episode's arrays take once decoded (frames, states, actions, collisions); nil on overflow.
    public var decodedBytesPerEpisode: Int? {
        let frameBytes = MemoryBudget.product(frame.width, frame.height, frame.channels)
        let perStep = MemoryBudget.sum(frameBytes, MemoryBudget.product(bodies, 6 * 4 + 1), MemoryBudget.product(actionDimension, 4))
        return perStep.flatMap { MemoryBudget.product($0, steps) }
    }

    /// Whether `name` is a plain file name inside the dataset directory (no path, no `..`).
    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    /// The first field holding a whole number too large for 64 bits (JSONDecoder calls the whole file
    /// "not valid JSON" for one), as a path such as `shards[0].bytes`.
    static func oversizedNumber(in value: Any, path: String = "") -> String? {
        switch value {
        case let dict as [String: Any]:
            for key in dict.keys.sorted() {
                if let found = oversizedNumber(in: dict[key]!, path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        case let list as [Any]:
            for (i, item) in list.enumerated() {
                if let found = oversizedNumber(in: item, path: "\(path)[\(i)]") { return found }
            }
        case let number as NSNumber where !(number is Bool):
            if abs(number.doubleValue) >= 0x1p63 { return path }
        default:
            break
        }
        return nil
    }

    func checkBounds(file: String) throws {
        func need(_ ok: Bool, _ field: String, _ problem: @autoclosure () -> String) throws {
            if !ok { throw DatasetError(file: file, field: field, problem: problem()) }
        }
        try need(episodes >= 1, "episodes", "expected at least 1, got \(episodes)")
        try need(steps >= 1, "steps", "expected at least 1, got \(steps)")
        for (name, side) in [("frame.width", frame.width), ("frame.height", frame.height)] {
            try need((1...Self.maxFrameSide).contains(side), name, "expected 1...\(Self.maxFrameSide) pixels, got \(side)")
        }
        try need([1, 3].contains(frame.channels), "frame.channels", "expected 1 (grey) or 3 (rgb), got \(frame.channels)")
        try need(bodies >= 0, "bodies", "expected 0 or more, got \(bodies)")
        try need(actionDimension >= 0, "action_dimension", "expected 0 or more, got \(actionDimension)")
        try need(episodesPerShard >= 1, "episodes_per_shard", "expected at least 1, got \(episodesPerShard)")
        try need(shardCount >= 1, "shard_count", "expected at least 1, got \(shardCount)")
        try need(shards.count <= shardCount, "shards", "lists \(shards.count) shards, shard_count says \(shardCount)")
        guard let perEpisode = decodedBytesPerEpisode else {
            throw DatasetError(file: file, field: "steps", problem: "\(steps) steps of \(frame.width)×\(frame.height)×\(frame.channels) frames and \(bodies) bodies is too large to hold")
        }
        for (i, s) in shards.enumerated() {
            let field = "shards[\(i)]"
            try need(Self.isPlainFileName(s.file), "\(field).file",
                     "expected a file name inside the dataset directory (such as shard-00000.npz), got \"\(s.file.prefix(200))\"")
            try need(s.episodeCount >= 1, "\(field).episode_count", "expected at least 1, got \(s.episodeCount)")
            try need(s.firstEpisode >= 0, "\(field).first_episode", "expected 0 or more, got \(s.firstEpisode)")
            try need(s.bytes >= 0, "\(field).bytes", "expected 0 or more, got \(s.bytes)")
            // What a shard decodes to is bounded by its size, so its count is too.
            let most = MemoryBudget.product(s.bytes / perEpisode + 1, Self.maxDeflateRatio) ?? Int.max
            try need(s.episodeCount <= most, "\(field).episode_count",
                     "\(s.episodeCount) episodes of \(MemoryBudget.format(perEpisode)) each cannot fit in a \(s.bytes)-byte shard (at most \(most))")
        }
        let listed = shards.reduce(0) { $0.addingReportingOverflow($1.episodeCount).overflow ? Int.max : $0 + $1.episodeCount }
        try need(listed <= episodes, "episodes", "expected at least the shards' total, \(listed), got \(episodes)")
    }
}
