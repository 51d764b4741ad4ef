import Common
import Foundation

/// Accumulators that one evaluation carries across dataset batches, in dataset order, so the
/// result is the same however the data is sharded.
struct RunningTotals {
    let historyLength: Int
    let latentDimension: Int
    let horizon: Int
    let bodies: Int
    let actionDimension: Int
    let steps: Int
    let firstStart: Int
    let rankingSteps: [Int]

    var episodes = 0
    var predictionEpisodes = 0
    var windows = 0

    var latentError: LatentErrorAccumulator
    var latentErrorCopyLast: LatentErrorAccumulator
    var latentMoments: MomentAccumulator

    var positionR2: R2Accumulator
    /// The velocity probe's R² over frames 1…T−1 (nil when the model has no velocity probe).
    var velocityR2: R2Accumulator?
    /// The angle read-out's R² over (cos sθ, sin sθ) of the bodies whose orientation shows (nil: none, or no read-out).
    var angleR2: R2Accumulator?
    let orientationSymmetry: [Int]
    var probeFrames = 0
    /// Scenes with actions: the model's rollout error with every action zeroed (how much it relies on them).
    var noActionDistances: DistanceAccumulator?

    /// Position errors: [group][reference] with groups all / collision / no collision and references
    /// model / copy-last / constant velocity / state constant velocity.
    var distances: [[DistanceAccumulator]]
    var groupSamples = [0, 0, 0]
    var sawCollisions = false
    /// The model's and copy-last's errors per episode, for intervals over episodes.
    var episodeErrors: EpisodeErrors

    /// Every window's predictions and true latents at the ranking steps, and its timing ranks.
    var ranking: WindowRanking

    var clips: [ClipSurprise] = []
    /// The same clips scored by each untrained initialisation, and those initialisations' seeds.
    var untrainedClips: [[ClipSurprise]] = []
    var untrainedSeeds: [UInt64] = []

    init(model: EvaluableModel, layout: EpisodeLayout, options: EvaluationOptions) {
        historyLength = model.historyLength
        latentDimension = model.latentDimension
        horizon = options.horizon
        bodies = layout.bodies
        actionDimension = layout.actionDimension
        steps = layout.steps
        firstStart = max(model.historyLength - 1, 1)
        rankingSteps = Array(Set(options.rankingSteps.filter { (1...max(1, options.horizon)).contains($0) })).sorted()
        latentError = LatentErrorAccumulator(horizon: horizon)
        latentErrorCopyLast = LatentErrorAccumulator(horizon: horizon)
        latentMoments = MomentAccumulator(dimension: model.latentDimension)
        positionR2 = R2Accumulator(coordinates: layout.bodies * 2)
        velocityR2 = R2Accumulator(coordinates: layout.bodies * 2)
        orientationSymmetry = layout.data.orientationSymmetry
        angleR2 = layout.data.hasTurningBodies ? R2Accumulator(coordinates: layout.bodies * 2) : nil
        noActionDistances = layout.actionDimension > 0 ? DistanceAccumulator(horizon: options.horizon) : nil
        distances = Array(repeating: Array(repeating: DistanceAccumulator(horizon: horizon), count: 4), count: 3)
        episodeErrors = EpisodeErrors(horizon: options.horizon)
        ranking = WindowRanking(steps: rankingSteps, dimension: model.latentDimension)
    }

    /// Window starts within one clip: t0 = firstStart, firstStart + K, … while t0 + K ≤ T − 1.
    var windowStarts: [Int] { Array(stride(from: firstStart, through: steps - 1 - horizon, by: horizon)) }

    // MARK: - Prediction, probe and ranking on possible clips

    mutating func addPrediction(batch b: EpisodeBatch, clips: [Int], latents: [Float], calls: ModelCalls) throws {
        let t = steps, d = latentDimension, p = clips.count
        // Latents of the possible clips, [P, T, D] (the batch's own array when every clip is possible).
        var z = latents
        if p < b.episodes {
            z = [Float](repeating: 0, count: p * t * d)
            for (i, e) in clips.enumerated() {
                z.replaceSubrange((i * t * d)..<((i + 1) * t * d), with: latents[(e * t * d)..<((e + 1) * t * d)])
            }
        }
        z.withUnsafeBufferPointer { latentMoments.add(rows: $0, count: p * t) }

        // Probe on every frame: R² and the inputs of the probe baselines.
        let probed = try calls.probe(z, count: p * t)       // [P, T, N, 2]
        addProbeR2(batch: b, clips: clips, probed: probed)
        try addVelocityR2(batch: b, clips: clips, z: z, calls: calls)
        try addAngleR2(batch: b, clips: clips, z: z, calls: calls)
        probeFrames += p * t
        predictionEpisodes += p

        // Rollout windows: row r = (clip i, window w).
        let starts = windowStarts
        let rows = p * starts.count
        guard rows > 0 else { return }
        windows += rows
        var history = initialHistory(z, clips: p, starts: starts)
        let collides = collisionFlags(batch: b, clips: clips, starts: starts)
        for k in 1...horizon {
            let actions = actionsAt(step: k, batch: b, clips: clips, starts: starts)
            let predicted = try calls.predict(history: history, actions: actions, count: rows, rolloutStep: k)
            let predictedStates = try calls.probe(predicted, count: rows)   // [rows, N, 2]
            addLatentErrors(step: k, z: z, predicted: predicted, clips: p, starts: starts)
            addPositionErrors(step: k, batch: b, clips: clips, starts: starts, probed: probed, predictedStates: predictedStates,
                              collides: collides)
            addRanking(step: k, z: z, predicted: predicted, clips: p, starts: starts, firstEpisode: predictionEpisodes - p)
            // Slide the history: drop the oldest latent, append the prediction.
            if k < horizon { slide(&history, predicted, rows: rows) }
        }
        if noActionDistances != nil { try addNoActionRollout(batch: b, clips: clips, z: z, calls: calls) }
    }

    /// The same windows rolled out with every action zeroed; only the model's position error is kept.
    private mutating func addNoActionRollout(batch b: EpisodeBatch, clips: [Int], z: [Float], calls: ModelCalls) throws {
        let starts = windowStarts, rows = clips.count * starts.count, n = bodies, sf = EpisodeLayout.stateFields, t = steps
        var history = initialHistory(z, clips: clips.count, starts: starts)
        let zero = [Float](repeating: 0, count: rows * actionDimension)
        for k in 1...horizon {
            let predicted = try calls.predict(history: history, actions: zero, count: rows, rolloutStep: k)
            let states = try calls.probe(predicted, count: rows)
            for (i, e) in clips.enumerated() {
                for (j, t0) in starts.enumerated() {
                    for body in 0..<n where exists(b, e, body) {
                        let truth = ((e * t + t0 + k) * n + body) * sf, q = ((i * starts.count + j) * n + body) * 2
                        noActionDistances!.add(step: k, px: Double(states[q]), py: Double(states[q + 1]),
                                               tx: Double(b.states[truth]), ty: Double(b.states[truth + 1]))
                    }
                }
            }
            if k < horizon { slide(&history, predicted, rows: rows) }
        }
    }

    private func exists(_ b: EpisodeBatch, _ e: Int, _ body: Int) -> Bool { b.mask?[e * bodies + body] ?? true }

    /// The probe's R² on every frame of the possible clips.
    private mutating func addProbeR2(batch b: EpisodeBatch, clips: [Int], probed: [Float]) {
        let t = steps, n = bodies, sf = EpisodeLayout.stateFields
        for (i, e) in clips.enumerated() {
            for step in 0..<t {
                for body in 0..<n where exists(b, e, body) {
                    let s = ((e * t + step) * n + body) * sf
                    let q = ((i * t + step) * n + body) * 2
                    for axis in 0..<2 {
                        positionR2.add(coordinate: body * 2 + axis, target: Double(b.states[s + axis]),
                                       prediction: Double(probed[q + axis]), episode: predictionEpisodes + i)
                    }
                }
            }
        }
    }

    /// The angle read-out on every frame of the possible clips, over the bodies whose orientation shows.
    private mutating func addAngleR2(batch b: EpisodeBatch, clips: [Int], z: [Float], calls: ModelCalls) throws {
        guard angleR2 != nil else { return }
        let t = steps, n = bodies, sf = EpisodeLayout.stateFields
        guard let a = try calls.angles(z, count: clips.count * t) else {
            angleR2 = nil
            return
        }
        for (i, e) in clips.enumerated() {
            for step in 0..<t {
                for body in 0..<n where orientationSymmetry[body] > 0 && exists(b, e, body) {
                    let angle = Double(b.states[((e * t + step) * n + body) * sf + 2]) * Double(orientationSymmetry[body])
                    let q = ((i * t + step) * n + body) * 2
                    angleR2!.add(coordinate: body * 2, target: cos(angle), prediction: Double(a[q]), episode: predictionEpisodes + i)
                    angleR2!.add(coordinate: body * 2 + 1, target: sin(angle), prediction: Double(a[q + 1]), episode: predictionEpisodes + i)
                }
            }
        }
    }

    /// The velocity probe on frames 1…T−1 of the possible clips (from z(t−1), z(t)).
    private mutating func addVelocityR2(batch b: EpisodeBatch, clips: [Int], z: [Float], calls: ModelCalls) throws {
        guard velocityR2 != nil, steps > 1 else { return }
        let t = steps, d = latentDimension, n = bodies, sf = EpisodeLayout.stateFields, p = clips.count
        var previous = [Float](), current = [Float]()
        previous.reserveCapacity(p * (t - 1) * d); current.reserveCapacity(p * (t - 1) * d)
        for i in 0..<p {
            previous += z[(i * t * d)..<((i * t + t - 1) * d)]
            current += z[((i * t + 1) * d)..<((i + 1) * t * d)]
        }
        guard let v = try calls.velocities(previous: previous, current: current, count: p * (t - 1)) else {
            velocityR2 = nil
            return
        }
        for (i, e) in clips.enumerated() {
            for step in 1..<t {
                for body in 0..<n where exists(b, e, body) {
                    let s = ((e * t + step) * n + body) * sf, q = ((i * (t - 1) + step - 1) * n + body) * 2
                    for axis in 0..<2 {
                        velocityR2!.add(coordinate: body * 2 + axis, target: Double(b.states[s + 3 + axis]), prediction: Double(v[q + axis]),
                                        episode: predictionEpisodes + i)
                    }
                }
            }
        }
    }

    /// The true latents each window's rollout starts from: [rows, history, D].
    private func initialHistory(_ z: [Float], clips p: Int, starts: [Int]) -> [Float] {
        let t = steps, d = latentDimension, h = historyLength, w = starts.count
        var history = [Float](repeating: 0, count: p * w * h * d)
        for i in 0..<p {
            for (j, t0) in starts.enumerated() {
                let r = i * w + j
                let from = (i * t + t0 - h + 1) * d
                history.replaceSubrange((r * h * d)..<((r + 1) * h * d), with: z[from..<(from + h * d)])
            }
        }
        return history
    }

    /// Per (row, body): whether the body touches something in (t0, t0 + K]; counts the samples of each group.
    private mutating func collisionFlags(batch b: EpisodeBatch, clips: [Int], starts: [Int]) -> [Bool] {
        let t = steps, n = bodies, w = starts.count
        var collides = [Bool](repeating: false, count: clips.count * w * n)
        if let col = b.collisions {
            sawCollisions = true
            for (i, e) in clips.enumerated() {
                for (j, t0) in starts.enumerated() {
                    for body in 0..<n {
                        var hit = false
                        for step in (t0 + 1)...(t0 + horizon) where col[(e * t + step) * n + body] { hit = true; break }
                        collides[(i * w + j) * n + body] = hit
                    }
                }
            }
        }
        for (i, e) in clips.enumerated() {
            for j in 0..<w {
                for body in 0..<n where exists(b, e, body) {
                    let group = b.collisions == nil ? -1 : (collides[(i * w + j) * n + body] ? 1 : 2)
                    groupSamples[0] += 1
                    if group > 0 { groupSamples[group] += 1 }
                }
            }
        }
        return collides
    }

    /// The actions a(t0 + k − 1) of every window: [rows, A].
    private func actionsAt(step k: Int, batch b: EpisodeBatch, clips: [Int], starts: [Int]) -> [Float] {
        let t = steps, a = actionDimension, w = starts.count
        var actions = [Float](repeating: 0, count: clips.count * w * a)
        guard a > 0 else { return actions }
        for (i, e) in clips.enumerated() {
            for (j, t0) in starts.enumerated() {
                let from = (e * t + t0 + k - 1) * a
                actions.replaceSubrange(((i * w + j) * a)..<((i * w + j + 1) * a), with: b.actions[from..<(from + a)])
            }
        }
        return actions
    }

    /// Latent error of the model and of copy-last at step k.
    private mutating func addLatentErrors(step k: Int, z: [Float], predicted: [Float], clips p: Int, starts: [Int]) {
        let t = steps, d = latentDimension, w = starts.count
        z.withUnsafeBufferPointer { zp in
            predicted.withUnsafeBufferPointer { pp in
                for i in 0..<p {
                    for (j, t0) in starts.enumerated() {
                        let target = zp.baseAddress! + (i * t + t0 + k) * d
                        latentError.add(step: k, predicted: pp.baseAddress! + (i * w + j) * d, target: target, dimension: d)
                        latentErrorCopyLast.add(step: k, predicted: zp.baseAddress! + (i * t + t0) * d, target: target, dimension: d)
                    }
                }
            }
        }
    }

    /// Position errors at step k of the model and the three baselines, overall and by collision group.
    private mutating func addPositionErrors(step k: Int, batch b: EpisodeBatch, clips: [Int], starts: [Int], probed: [Float],
                                            predictedStates: [Float], collides: [Bool]) {
        let t = steps, n = bodies, f = 2, sf = EpisodeLayout.stateFields, w = starts.count, kk = Double(k)
        let firstEpisode = predictionEpisodes - clips.count   // this batch's clips were counted before the rollouts
        for (i, e) in clips.enumerated() {
            for (j, t0) in starts.enumerated() {
                let r = i * w + j
                for body in 0..<n where exists(b, e, body) {
                    let truth = ((e * t + t0 + k) * n + body) * sf
                    let last = ((e * t + t0) * n + body) * sf
                    let before = ((e * t + t0 - 1) * n + body) * sf
                    let pLast = ((i * t + t0) * n + body) * f
                    let pBefore = ((i * t + t0 - 1) * n + body) * f
                    let pModel = (r * n + body) * f
                    let tx = Double(b.states[truth]), ty = Double(b.states[truth + 1])
                    let group = b.collisions == nil ? -1 : (collides[r * n + body] ? 1 : 2)
                    // Model: probe of the rolled-out latent.
                    add(reference: 0, group: group, step: k, Double(predictedStates[pModel]), Double(predictedStates[pModel + 1]), tx, ty)
                    // Copy last: probe of the last seen frame, held.
                    let lx = Double(probed[pLast]), ly = Double(probed[pLast + 1])
                    add(reference: 1, group: group, step: k, lx, ly, tx, ty)
                    let mx = Double(predictedStates[pModel]) - tx, my = Double(predictedStates[pModel + 1]) - ty
                    episodeErrors.add(episode: firstEpisode + i, step: k, model: (mx * mx + my * my).squareRoot(),
                                      copyLast: ((lx - tx) * (lx - tx) + (ly - ty) * (ly - ty)).squareRoot())
                    // Constant velocity of the probe of the last two seen frames.
                    let vx = lx - Double(probed[pBefore]), vy = ly - Double(probed[pBefore + 1])
                    add(reference: 2, group: group, step: k, lx + kk * vx, ly + kk * vy, tx, ty)
                    // Constant velocity of the true states (privileged).
                    let sx = Double(b.states[last]), sy = Double(b.states[last + 1])
                    let svx = sx - Double(b.states[before]), svy = sy - Double(b.states[before + 1])
                    add(reference: 3, group: group, step: k, sx + kk * svx, sy + kk * svy, tx, ty)
                }
            }
        }
    }

    /// Ranking queries at step k: every window's prediction, and the latents it is ranked against.
    private mutating func addRanking(step k: Int, z: [Float], predicted: [Float], clips p: Int, starts: [Int], firstEpisode: Int) {
        let t = steps, d = latentDimension, w = starts.count
        z.withUnsafeBufferPointer { zp in
            predicted.withUnsafeBufferPointer { pp in
                ranking.add(clips: p, firstEpisode: firstEpisode, frames: t, starts: starts,
                            episodeZ: { zp.baseAddress! + $0 * t * d }, step: k,
                            prediction: { i, j in pp.baseAddress! + (i * w + j) * d })
            }
        }
    }

    /// Drops each row's oldest latent and appends its prediction.
    private func slide(_ history: inout [Float], _ predicted: [Float], rows: Int) {
        let d = latentDimension, h = historyLength
        history.withUnsafeMutableBufferPointer { hp in
            predicted.withUnsafeBufferPointer { pp in
                for r in 0..<rows {
                    let row = hp.baseAddress! + r * h * d
                    if h > 1 { row.update(from: row + d, count: (h - 1) * d) }
                    (row + (h - 1) * d).update(from: pp.baseAddress! + r * d, count: d)
                }
            }
        }
    }

    /// Adds one position-error sample to "all" and, with collision data, to its collision group.
    @inline(__always)
    private mutating func add(reference: Int, group: Int, step k: Int, _ px: Double, _ py: Double, _ tx: Double, _ ty: Double) {
        distances[0][reference].add(step: k, px: px, py: py, tx: tx, ty: ty)
        if group > 0 { distances[group][reference].add(step: k, px: px, py: py, tx: tx, ty: ty) }
    }

    // MARK: - Surprise on violation pairs

    mutating func addSurprise(batch b: EpisodeBatch, latents: [Float], calls: ModelCalls) throws {
        clips += try ClipSurprise.clips(batch: b, latents: latents, steps: steps, calls: calls)
    }

    // MARK: - Result

    func finish(name: String) throws -> EvaluationResult {
        if predictionEpisodes == 0 && clips.isEmpty { throw EvaluationError.nothingToEvaluate(dataset: name) }
        func group(_ g: Int) -> PositionErrorGroup {
            PositionErrorGroup(samples: groupSamples[g], model: distances[g][0].means, copyLast: distances[g][1].means,
                               constantVelocity: distances[g][2].means, stateConstantVelocity: distances[g][3].means)
        }
        var first: [Int: RankingComparison] = [:], pooled = first, timing = first
        if windows > 0 {
            // One query per episode: its Hits@1 is a proportion of independent trials (Wilson). Pooled and timing
            // queries share episodes, so their intervals resample whole episodes.
            func comparisons(_ s: WindowRanking.Scores, wilson: Bool) -> [Int: RankingComparison] {
                var out: [Int: RankingComparison] = [:]
                for k in rankingSteps {
                    let r = s.byReference[k]!
                    let queries = s.episodes.count
                    out[k] = RankingComparison(model: r[.model]!, copyLast: r[.copyLast]!, constantVelocity: r[.constantVelocity]!,
                                               hitsAt1CI95: wilson ? Intervals.wilson95(r[.model]!.hitsAt1, n: queries) : s.hitsInterval(step: k),
                                               queries: queries)
                }
                return out
            }
            first = comparisons(ranking.pooled(firstOnly: true), wilson: true)
            pooled = comparisons(ranking.pooled(firstOnly: false), wilson: false)
            timing = comparisons(ranking.timing(), wilson: false)
        }
        let std = latentMoments.standardDeviations
        let intervals = episodeErrors.intervals()
        let limits = ClipSurprise.thresholds(clips)
        var result = EvaluationResult(
            horizon: horizon, historyLength: historyLength, episodes: episodes,
            predictionEpisodes: predictionEpisodes, windows: windows,
            latentError: latentError.means, latentErrorCopyLast: latentErrorCopyLast.means,
            latentStdMean: std.isEmpty || latentMoments.count < 2 ? .nan : std.reduce(0, +) / Double(std.count),
            latentStdMin: latentMoments.count < 2 ? .nan : (std.min() ?? .nan),
            probeFrames: probeFrames, positionR2: positionR2.pooled,
            positionR2PerCoordinate: positionR2.perCoordinate,
            positionErrors: group(0),
            positionErrorsCollision: sawCollisions ? group(1) : nil,
            positionErrorsNoCollision: sawCollisions ? group(2) : nil,
            ranking: first, surprise: try ClipSurprise.score(clips, limits: limits, untrained: untrainedClips))
        result.velocityR2 = velocityR2?.pooled
        result.angleR2 = angleR2?.pooled
        result.positionR2CI95 = positionR2.interval95(episodes: predictionEpisodes)
        result.velocityR2CI95 = velocityR2?.interval95(episodes: predictionEpisodes)
        result.angleR2CI95 = angleR2?.interval95(episodes: predictionEpisodes)
        result.positionErrorNoActions = noActionDistances?.means
        result.pooledRanking = pooled
        result.timingRanking = timing
        if !clips.isEmpty {
            result.surpriseThreshold = limits.model
            result.pixelThreshold = limits.pixel
            result.possibleClips = limits.possible
        }
        if !untrainedClips.isEmpty { result.untrainedSeeds = untrainedSeeds }
        result.clips = clips
        result.positionErrorCI95 = intervals.error
        result.ratioToCopyLastCI95 = intervals.ratio
        return result
    }
}
