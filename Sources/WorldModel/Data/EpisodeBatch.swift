/// Episodes, or clips cut from them, in the dataset's array layout (row-major): the one batch type of
/// training, evaluation and live learning.
public struct EpisodeBatch: Sendable {
    public var layout: EpisodeLayout
    public var episodes: Int
    /// uint8 [E, T, H, W, C].
    public var frames: [UInt8]
    /// float32 [E, T, N, 6].
    public var states: [Float]
    /// float32 [E, T, A].
    public var actions: [Float]
    /// [E]: episode seeds (stored as int64 bit patterns in the shards); a clip carries its episode's.
    public var seeds: [UInt64]
    /// [E, T, N]: body n touches something at step t. Nil when the source has no collision record.
    public var collisions: [Bool]?
    /// [E, N]: body n exists (scenes whose body count varies). Nil means all bodies exist.
    public var mask: [Bool]?
    /// int32 [E]: first impossible frame, −1 for a possible clip. Nil for ordinary datasets.
    public var violationFrame: [Int32]?
    /// int64 [E]: the matched-pair id shared by a possible clip and its impossible twin.
    public var pair: [Int64]?
    /// [E]: violation type name (e.g. "vanish"); for a possible clip, its twin's type or empty.
    public var violationType: [String]?

    /// Whether each (x, y) target of rows of `framesPerClip` frames per episode belongs to a body the episode has:
    /// [E · framesPerClip, 2N], all true without a mask. Read-outs and probes leave out the rest (placeholder states).
    func coordinatePresence(framesPerClip: Int) -> [Bool] {
        let n = layout.data.bodies
        var out = [Bool](); out.reserveCapacity(episodes * framesPerClip * 2 * n)
        for e in 0..<episodes {
            let exists = (0..<(2 * n)).map { mask?[e * n + $0 / 2] ?? true }
            for _ in 0..<framesPerClip { out += exists }
        }
        return out
    }

    public init(layout: EpisodeLayout, episodes: Int, frames: [UInt8], states: [Float], actions: [Float], seeds: [UInt64],
                collisions: [Bool]? = nil, mask: [Bool]? = nil, violationFrame: [Int32]? = nil,
                pair: [Int64]? = nil, violationType: [String]? = nil) {
        self.layout = layout
        self.episodes = episodes
        self.frames = frames
        self.states = states
        self.actions = actions
        self.seeds = seeds
        self.collisions = collisions
        self.mask = mask
        self.violationFrame = violationFrame
        self.pair = pair
        self.violationType = violationType
    }

    /// `batches` one after another as one batch (all of one layout); an optional field is kept when every batch has it.
    public init(joining batches: [EpisodeBatch]) {
        precondition(!batches.isEmpty && batches.allSatisfy { $0.layout == batches[0].layout }, "EpisodeBatch: joined batches share one layout")
        func joined<T>(_ field: (EpisodeBatch) -> [T]?) -> [T]? {
            batches.contains { field($0) == nil } ? nil : batches.flatMap { field($0)! }
        }
        self.init(layout: batches[0].layout, episodes: batches.reduce(0) { $0 + $1.episodes }, frames: batches.flatMap(\.frames),
                  states: batches.flatMap(\.states), actions: batches.flatMap(\.actions), seeds: batches.flatMap(\.seeds),
                  collisions: joined(\.collisions), mask: joined(\.mask), violationFrame: joined(\.violationFrame),
                  pair: joined(\.pair), violationType: joined(\.violationType))
    }

    /// `count` zeroed episodes of `length` frames shaped like `layout`'s.
    public init(zeroed count: Int, length: Int, like layout: EpisodeLayout) {
        var l = layout
        l.steps = length
        let n = l.bodies * EpisodeLayout.stateFields
        self.init(layout: l, episodes: count, frames: [UInt8](repeating: 0, count: count * length * l.frame.byteCount),
                  states: [Float](repeating: 0, count: count * length * n),
                  actions: [Float](repeating: 0, count: count * length * l.actionDimension),
                  seeds: [UInt64](repeating: 0, count: count))
    }

    /// Copies frames `start ..< start + target.layout.steps` of episode `episode` into episode `slot` of `target`
    /// (with its row of the mask, when there is one).
    public func copyClip(episode: Int, start: Int, into target: inout EpisodeBatch, slot: Int) {
        let length = target.layout.steps, src = episode * layout.steps + start, dst = slot * length
        func copy<T>(_ from: [T], _ to: inout [T], _ width: Int) {
            guard width > 0 else { return }
            to.withUnsafeMutableBufferPointer { d in
                from.withUnsafeBufferPointer { s in
                    (d.baseAddress! + dst * width).update(from: s.baseAddress! + src * width, count: length * width)
                }
            }
        }
        copy(frames, &target.frames, layout.frame.byteCount)
        copy(states, &target.states, layout.bodies * EpisodeLayout.stateFields)
        copy(actions, &target.actions, layout.actionDimension)
        target.seeds[slot] = seeds[episode]
        if let mask {
            let n = layout.bodies
            if target.mask == nil { target.mask = [Bool](repeating: true, count: target.episodes * n) }
            for i in 0..<n { target.mask![slot * n + i] = mask[episode * n + i] }
        }
    }

    /// Episodes `range` as a batch of their own (one rank's share of a data-parallel batch).
    public func clips(_ range: Range<Int>) -> EpisodeBatch {
        var out = EpisodeBatch(zeroed: range.count, length: layout.steps, like: layout)
        for (slot, episode) in range.enumerated() { copyClip(episode: episode, start: 0, into: &out, slot: slot) }
        return out
    }
}
