import Common

/// Rankings with every rollout window of every episode as a query, for the model and two latent-space
/// baselines (copy-last ẑ = z(t0); constant velocity ẑ = z(t0) + k·(z(t0) − z(t0−1))):
/// - first window (C-SWM): each episode's first window ranked against every episode's true z(t0+k);
/// - pooled: every window ranked against the true z(t0+k) of all windows of all episodes;
/// - timing: every window ranked against all frames of its own episode, so a prediction that lags a
///   step behind misses even when it is far nearer its own episode than any other.
struct WindowRanking {
    enum Reference: Int, CaseIterable { case model, copyLast, constantVelocity }

    let steps: [Int]
    let dimension: Int
    /// Episode index of each stored window, in dataset order.
    private(set) var episodeOfWindow: [Int] = []
    /// Whether the window is its episode's first.
    private(set) var firstWindow: [Bool] = []
    /// z(t0) and z(t0−1) of each window, [W, D].
    private var last: [Float] = [], beforeLast: [Float] = []
    /// Per step k: the model's prediction and the true latent z(t0+k) of each window, [W, D].
    private var predicted: [Int: [Float]] = [:], truth: [Int: [Float]] = [:]
    /// Per step k and reference: each window's timing rank among its episode's frames.
    private var timingRanks: [Int: [[Int]]] = [:]
    /// Frames each timing query is ranked against.
    private(set) var framesPerEpisode = 0

    init(steps: [Int], dimension: Int) {
        self.steps = steps
        self.dimension = dimension
        for k in steps {
            predicted[k] = []; truth[k] = []
            timingRanks[k] = Array(repeating: [], count: Reference.allCases.count)
        }
    }

    /// Bytes kept per window until the end of the evaluation.
    static func bytesPerWindow(steps: Int, dimension: Int) -> Int { (2 + 2 * steps) * dimension * MemoryLayout<Float>.size }

    /// Adds one batch's windows; `episodeZ(i)` points at clip i's latents [T, D], `starts` are the window starts,
    /// `prediction(k, i, j)` at the model's prediction for clip i's window j at step k.
    mutating func add(clips: Int, firstEpisode: Int, frames t: Int, starts: [Int],
                      episodeZ: (Int) -> UnsafePointer<Float>, step k: Int, prediction: (Int, Int) -> UnsafePointer<Float>) {
        guard predicted[k] != nil else { return }
        let d = dimension
        let isFirstStep = k == steps.first
        framesPerEpisode = t
        var query = [Float](repeating: 0, count: d)
        for i in 0..<clips {
            let z = episodeZ(i)
            for (j, t0) in starts.enumerated() {
                let p = prediction(i, j)
                if isFirstStep {
                    episodeOfWindow.append(firstEpisode + i)
                    firstWindow.append(j == 0)
                    last.append(contentsOf: UnsafeBufferPointer(start: z + t0 * d, count: d))
                    beforeLast.append(contentsOf: UnsafeBufferPointer(start: z + (t0 - 1) * d, count: d))
                }
                predicted[k]!.append(contentsOf: UnsafeBufferPointer(start: p, count: d))
                truth[k]!.append(contentsOf: UnsafeBufferPointer(start: z + (t0 + k) * d, count: d))
                // Timing: the right answer is frame t0 + k among the episode's T frames.
                for reference in Reference.allCases {
                    let rank: Int
                    switch reference {
                    case .model:
                        rank = RankingMetrics.rank(of: p, among: z, count: t, answer: t0 + k, dimension: d)
                    case .copyLast:
                        rank = RankingMetrics.rank(of: z + t0 * d, among: z, count: t, answer: t0 + k, dimension: d)
                    case .constantVelocity:
                        Self.extrapolate(z + t0 * d, z + (t0 - 1) * d, k, into: &query)
                        rank = query.withUnsafeBufferPointer {
                            RankingMetrics.rank(of: $0.baseAddress!, among: z, count: t, answer: t0 + k, dimension: d)
                        }
                    }
                    timingRanks[k]![reference.rawValue].append(rank)
                }
            }
        }
    }

    /// z(t0) + k·(z(t0) − z(t0−1)).
    private static func extrapolate(_ last: UnsafePointer<Float>, _ before: UnsafePointer<Float>, _ k: Int, into out: inout [Float]) {
        let kk = Float(k)
        for c in out.indices { out[c] = last[c] + kk * (last[c] - before[c]) }
    }

    /// One ranking kind's scores at every step for each reference, with the model's per-query ranks.
    struct Scores {
        var byReference: [Int: [Reference: RankingScore]] = [:]
        /// The model's rank per query, per step (for intervals over episodes).
        var modelRanks: [Int: [Int]] = [:]
        /// Episode of each query.
        var episodes: [Int] = []
    }

    /// Timing ranks, already computed per batch.
    func timing() -> Scores {
        var s = Scores(episodes: episodeOfWindow)
        for k in steps {
            var byRef: [Reference: RankingScore] = [:]
            for r in Reference.allCases { byRef[r] = RankingScore(ranks: timingRanks[k]![r.rawValue], poolSize: framesPerEpisode) }
            s.byReference[k] = byRef
            s.modelRanks[k] = timingRanks[k]![Reference.model.rawValue]
        }
        return s
    }

    /// Ranks the selected windows' queries against the selected windows' true latents.
    /// `firstOnly`: the C-SWM protocol (one query per episode); otherwise every window (pooled).
    func pooled(firstOnly: Bool) -> Scores {
        let d = dimension
        let rows = firstWindow.indices.filter { !firstOnly || firstWindow[$0] }
        var s = Scores(episodes: rows.map { episodeOfWindow[$0] })
        func gather(_ source: [Float]) -> [Float] {
            if rows.count == firstWindow.count { return source }
            var out = [Float](); out.reserveCapacity(rows.count * d)
            for w in rows { out += source[(w * d)..<((w + 1) * d)] }
            return out
        }
        let lastRows = gather(last), beforeRows = gather(beforeLast)
        for k in steps {
            let pool = gather(truth[k]!)
            var byRef: [Reference: RankingScore] = [:]
            for r in Reference.allCases {
                let queries: [Float]
                switch r {
                case .model: queries = gather(predicted[k]!)
                case .copyLast: queries = lastRows
                case .constantVelocity:
                    let kk = Float(k)
                    queries = zip(lastRows, beforeRows).map { $0 + kk * ($0 - $1) }
                }
                let ranks = RankingMetrics.ranks(predicted: queries, truth: pool, count: rows.count, dimension: d)
                byRef[r] = RankingScore(ranks: ranks, poolSize: rows.count)
                if r == .model { s.modelRanks[k] = ranks }
            }
            s.byReference[k] = byRef
        }
        return s
    }
}

extension WindowRanking.Scores {
    /// 95 % percentile bootstrap over episodes of the model's Hits@1 at step k (an episode's windows are not
    /// independent queries).
    func hitsInterval(step k: Int, seed: UInt64 = 0x4A17_5095) -> [Double] {
        guard let ranks = modelRanks[k] else { return [.nan, .nan] }
        var hits: [Int: (hit: Int, total: Int)] = [:]
        for (q, e) in episodes.enumerated() {
            var h = hits[e] ?? (0, 0)
            h.total += 1
            if ranks[q] == 1 { h.hit += 1 }
            hits[e] = h
        }
        let perEpisode = hits.keys.sorted().map { hits[$0]! }
        return Intervals.bootstrap95(count: perEpisode.count, seed: seed) { idx in
            let s = idx.reduce((0, 0)) { ($0.0 + perEpisode[$1].hit, $0.1 + perEpisode[$1].total) }
            return s.1 > 0 ? Double(s.0) / Double(s.1) : .nan
        }
    }
}
