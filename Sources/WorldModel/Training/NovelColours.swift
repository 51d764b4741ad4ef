import Foundation
import Tensor

/// `objective.novel_colours`: outlier exposure for a per-pixel softmax encoder.
///
/// A per-pixel encoder's masks are a function of colour alone, and InfoMax only shapes them where the data's colours
/// are. Elsewhere the softmax extrapolates, and a colour no scene shows often lands in the mask of a body near it in
/// colour: a ball that turns from red to a fresh orange stays in the red mask, its map unchanged, and nothing in the
/// latent says it changed. This term draws random colours far from every colour the run has shown (its first
/// `sampleBatches` batches, kept in the checkpoint as cells of a colour grid, and the batch's own, anti-aliased rims
/// included) and asks each to spread evenly over all masks (cross-entropy to the uniform distribution, minus log K so
/// that an even spread scores 0), as outlier exposure asks a classifier to be unsure off its data. Such a colour then
/// leaves whatever mask held the body, which the latent shows. It reads pixels only.
/// With `objective.novel_colour_target: background` each drawn colour is asked into the mask that holds most of the
/// batch's pixels instead: maps are divided by their mass, so a body spread evenly keeps its map's shape in its own
/// mask, while one taken into the background leaves its map as a vanished body does.
struct NovelColours {
    /// Candidates drawn per step; those near a seen colour are dropped.
    static let candidates = 256
    /// Batches whose colours count as seen for the whole run: a body drawn in few episodes (billiards' ninth ball) is
    /// missing from most single batches, and a term that spread its colour there would take its mask apart.
    static let sampleBatches = 8
    /// Seen colours are kept as cells of a grid with this many levels a channel (8 units wide): a rendered batch holds
    /// tens of thousands of anti-aliased blends, far fewer cells.
    static let levels = 32
    static let cellWidth: Float = 256 / Float(levels)

    let channels: Int
    let weight: Float
    /// `objective.novel_colour_target: background`.
    let toBackground: Bool
    /// `objective.novel_colour_distance`: how far (Euclidean, 0…255 a channel, scaled by √(C/3) for fewer channels) a
    /// candidate stays from every seen colour.
    let distance: Float
    /// Cells of the run's first batches.
    private let seen: [Bool]
    /// Cells some point of which may lie within `distance` of a point of a seen cell.
    private let near: [Bool]
    /// Cell offsets within that reach, as (offset in each channel).
    private let reach: [[Int]]

    /// Nil unless `objective.novel_colours` is on (the config only allows it with a per-pixel softmax encoder).
    init?(config: TrainingConfig, info: ModelInfo) {
        guard config.novelColours > 0 else { return nil }
        let c = info.channels
        channels = c
        weight = Float(config.novelColours)
        toBackground = config.novelColoursToBackground
        distance = Float(config.novelColourDistance)
        // Two cells are near when their centres are within the distance plus a whole cell diagonal (half of each).
        let limit = distance * (Float(c) / 3).squareRoot() / Self.cellWidth + Float(c).squareRoot()
        let span = Int(limit.rounded(.up))
        var offsets: [[Int]] = [[]]
        for _ in 0..<c { offsets = offsets.flatMap { o in (-span...span).map { o + [$0] } } }
        reach = offsets.filter { o in Float(o.reduce(0) { $0 + $1 * $1 }).squareRoot() <= limit }
        var seen = [Bool](repeating: false, count: Self.cellCount(c))
        for q in info.seenColours where q >= 0 && q < seen.count { seen[q] = true }
        var near = seen
        for q in seen.indices where seen[q] { Self.mark(around: q, channels: c, offsets: reach, in: &near) }
        self.seen = seen
        self.near = near
    }

    static func cellCount(_ channels: Int) -> Int { (0..<channels).reduce(1) { n, _ in n * levels } }

    /// The grid level of one channel value in [0, 1] (an 8-bit value v as v / 256, so level = v / 8 exactly).
    @inline(__always)
    static func level(_ value: Float) -> Int { min(levels - 1, Int(value * Float(levels))) }

    /// The grid cell of a colour given 8 bits a channel.
    @inline(__always)
    static func cell(_ pixel: UnsafePointer<UInt8>, channels c: Int) -> Int {
        var q = 0
        for k in 0..<c { q = q * levels + level(Float(pixel[k]) / 256) }
        return q
    }

    /// The grid cells that the colours of frames uint8 [.., C] fall in, sorted.
    static func cells(of frames: [UInt8], channels c: Int) -> [Int] {
        var occupied = [Bool](repeating: false, count: cellCount(c))
        frames.withUnsafeBufferPointer { f in
            for p in stride(from: 0, to: f.count - c + 1, by: c) { occupied[cell(f.baseAddress! + p, channels: c)] = true }
        }
        return occupied.indices.filter { occupied[$0] }
    }

    private static func mark(around q: Int, channels c: Int, offsets: [[Int]], in grid: inout [Bool]) {
        var home = [Int](repeating: 0, count: c), rest = q
        for k in stride(from: c - 1, through: 0, by: -1) { home[k] = rest % levels; rest /= levels }
        for o in offsets {
            var r = 0, inside = true
            for k in 0..<c {
                let i = home[k] + o[k]
                if i < 0 || i >= levels { inside = false; break }
                r = r * levels + i
            }
            if inside { grid[r] = true }
        }
    }

    /// Colours [N, C] in [0, 1], drawn uniformly from the cube with `rng`, in no cell near a seen one or near a cell of
    /// `frames` (N ≤ `candidates`; nil when every candidate fell near).
    func draw(avoiding frames: [UInt8], rng: inout RNG) throws -> Tensor? {
        let c = channels
        // Cells of this batch the first batches did not show (few, usually none): near them is near too.
        var near = self.near
        for q in Self.cells(of: frames, channels: c) where !seen[q] { Self.mark(around: q, channels: c, offsets: reach, in: &near) }
        var kept: [Float] = []
        for _ in 0..<Self.candidates {
            let colour = (0..<c).map { _ in rng.uniform() }
            var q = 0
            for k in 0..<c { q = q * Self.levels + Self.level(colour[k]) }
            if !near[q] { kept += colour }
        }
        return kept.isEmpty ? nil : try Tensor(kept, shape: [kept.count / c, c])
    }

    /// The term for softmax rows `masks` [N, K]: −mean over rows of (1/K)·Σ_k log p_k, minus log K (0 at an even
    /// spread, growing as a row concentrates).
    static func loss(_ masks: Tensor) throws -> Tensor {
        let k = masks.shape[1]
        return try (masks + 1e-8).log().mean() * -1 - Float(log(Double(k)))
    }

    /// The background variant for softmax logits [N, K]: −mean over rows of log p_background, as a log-softmax so its
    /// gradient stays whole where the softmax has saturated (log(p + ε) would give none for p ≪ ε).
    static func backgroundLoss(logits: Tensor, background: Int) throws -> Tensor {
        let n = logits.shape[0], k = logits.shape[1], values = logits.scalars
        let peaks = try Tensor((0..<n).map { r in values[(r * k)..<((r + 1) * k)].max()! }, shape: [n, 1])
        let shifted = try logits - peaks
        let normaliser = try shifted.exp().sum(axes: [1], keepDims: true).log()
        return try (shifted.slice(axis: 1, background..<(background + 1)) - normaliser).mean() * -1
    }

    /// The mask holding most of the pixels of `masks` (the batch's per-colour softmax rows, weighted by each colour's
    /// pixel count); ties go to the lower index.
    static func largestMask(_ masks: MaskRows) -> Int {
        let values = masks.values.scalars, k = masks.values.shape[1]
        var mass = [Double](repeating: 0, count: k)
        for row in 0..<(values.count / k) {
            let count = Double(masks.palette?.counts[row] ?? 1)
            for j in 0..<k { mass[j] += count * Double(values[row * k + j]) }
        }
        return mass.indices.max { mass[$0] < mass[$1] || (mass[$0] == mass[$1] && $0 > $1) }!
    }

    /// The weighted term for one batch's frames uint8 and softmax `masks` (nil when nothing was drawn). The background
    /// target needs the masks (a per-pixel softmax encoder, which the config requires, always gives them).
    func term(encoder: Encoder, frames: [UInt8], masks: MaskRows?, rng: inout RNG) throws -> Tensor? {
        guard let colours = try draw(avoiding: frames, rng: &rng) else { return nil }
        if toBackground {
            guard let masks else { preconditionFailure("objective.novel_colour_target: background without the batch's masks") }
            return try Self.backgroundLoss(logits: encoder.perColourLogits(colours), background: Self.largestMask(masks)) * weight
        }
        return try Self.loss(encoder.perColour(colours)) * weight
    }
}
