/// Settings of one evaluation; they go into the report so a re-run uses the same ones.
public struct EvaluationOptions: Equatable, Sendable {
    /// Rollout horizon K (steps predicted from true history).
    public var horizon: Int
    /// Steps at which Hits@1 and MRR are reported (those ≤ K are used).
    public var rankingSteps: [Int]
    /// Largest number of rows handed to one model call, bounding the model's memory.
    public var maximumBatch: Int
    /// Seeds of the untrained initialisations whose surprise scores stand beside the model's on violation pairs.
    public var untrainedSeeds: [UInt64]

    public init(horizon: Int = 10, rankingSteps: [Int] = [1, 5, 10], maximumBatch: Int = 256,
                untrainedSeeds: [UInt64] = EvaluationOptions.defaultUntrainedSeeds) {
        self.horizon = horizon
        self.rankingSteps = rankingSteps
        self.maximumBatch = maximumBatch
        self.untrainedSeeds = untrainedSeeds
    }

    /// Five initialisations (seeds 1…5): enough for a mean ± 1.96 SD band, few enough to cost five passes over the pairs.
    public static let defaultUntrainedSeeds: [UInt64] = [1, 2, 3, 4, 5]
}

/// Runs a model over a held-out dataset and computes every metric of the report.
///
/// Protocol, per possible clip (violating clips never enter these):
/// - all frames are encoded once; the probe is scored on them (R²);
/// - non-overlapping windows start at t0 = max(history − 1, 1), t0 + K, …; from the true latents
///   z(t0−h+1…t0) the predictor rolls out K steps feeding back its own predictions, with the dataset's
///   actions a(t0…t0+K−1);
/// - Hits@1/MRR use the first window of each clip only (one query per episode); the pool at step k is
///   every clip's encoded true latent z(t0+k). Pooled rankings use every window against every window's
///   z(t0+k); timing rankings every window against all frames of its own clip (see `WindowRanking`).
/// Per violation pair: the per-step surprise is the 1-step teacher-forced latent error
/// ‖ẑ(t) − z(t)‖²/D for t = history…T−1, reduced per clip by max (headline) or mean; the same network at
/// `options.untrainedSeeds` initialisations scores the same pairs again (the untrained baseline).
public struct Evaluator {
    public let model: EvaluableModel
    public let options: EvaluationOptions

    public init(model: EvaluableModel, options: EvaluationOptions = EvaluationOptions()) {
        self.model = model
        self.options = options
    }

    /// First frame a rollout window may start from: it needs `historyLength` latents and, for the
    /// constant-velocity baselines, the frame before.
    var firstStart: Int { max(model.historyLength - 1, 1) }

    /// Checks everything that can be checked without reading frames; call before any work.
    /// `name` names the dataset in errors.
    public func checkCompatibility(_ source: EpisodeSource, name: String) throws {
        let layout = source.layout
        if options.horizon < 1 {
            throw EvaluationError.invalidArguments("--horizon must be at least 1, got \(options.horizon)")
        }
        if options.maximumBatch < 1 {
            throw EvaluationError.invalidArguments("maximum batch must be at least 1")
        }
        if model.latentDimension < 1 || model.historyLength < 1 {
            throw EvaluationError.incompatible(field: "latent dimension and history",
                                               model: "\(model.latentDimension) and \(model.historyLength)",
                                               dataset: "at least 1 each")
        }
        if model.frameShape != layout.frame {
            throw EvaluationError.incompatible(field: "frame shape (H×W×C)", model: "\(model.frameShape)",
                                               dataset: "\(layout.frame)")
        }
        if model.actionDimension != layout.actionDimension {
            throw EvaluationError.incompatible(field: "action width", model: "\(model.actionDimension)",
                                               dataset: "\(layout.actionDimension)")
        }
        if model.probeBodies != layout.bodies {
            throw EvaluationError.incompatible(field: "bodies per episode", model: "\(model.probeBodies)",
                                               dataset: "\(layout.bodies)")
        }
        // An angle read-out fitted to (cos sθ, sin sθ) says nothing about targets of another s.
        if let fitted = model.angleSymmetry, layout.data.hasTurningBodies, fitted != layout.data.orientationSymmetry {
            throw EvaluationError.incompatible(field: "rotational symmetry per body (the angle read-out's s)",
                                               model: "\(fitted)", dataset: "\(layout.data.orientationSymmetry) (its scene's); "
                                                   + "retrain with this scene text so the read-out fits its angles")
        }
        let needed = firstStart + options.horizon + 1
        if layout.steps < needed {
            throw EvaluationError.episodesTooShort(steps: layout.steps, needed: needed, horizon: options.horizon)
        }
        let overlap = model.trainingSeedOverlap(with: source.seeds)
        if !overlap.isEmpty {
            throw EvaluationError.seedOverlap(dataset: name, overlapping: overlap.count,
                                              examples: Array(overlap.prefix(5)))
        }
    }

    /// Evaluates every batch of `source` in order. `progress(done, total)` is called after each batch.
    public func evaluate(_ source: EpisodeSource, name: String,
                         progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationResult {
        try checkCompatibility(source, name: name)
        try source.verifyIntegrity()
        var state = RunningTotals(model: model, layout: source.layout, options: options)
        var violationBatches: [Int] = []
        var total = source.batchCount
        for index in 0..<source.batchCount {
            let batch = try source.batch(index)
            try validate(batch, index: index, layout: source.layout)
            try process(batch, into: &state, layout: source.layout)
            if batch.violationFrame != nil { violationBatches.append(index) }
            if index == 0 && batch.violationFrame != nil { total += source.batchCount * options.untrainedSeeds.count }
            progress?(index + 1, total)
        }
        if !violationBatches.isEmpty {
            var done = source.batchCount
            for seed in options.untrainedSeeds {
                guard let untrained = try model.untrained(seed: seed) else { break }
                let calls = ModelCalls(model: untrained, maximumBatch: options.maximumBatch)
                var clips: [ClipSurprise] = []
                for index in violationBatches {
                    let batch = try source.batch(index)
                    let latents = try calls.encode(batch.frames, count: batch.episodes * source.layout.steps)
                    clips += try ClipSurprise.clips(batch: batch, latents: latents, steps: source.layout.steps, calls: calls, untrainedBaseline: true)
                    done += 1
                    progress?(done, total)
                }
                state.untrainedClips.append(clips)
                state.untrainedSeeds.append(seed)
            }
        }
        return try state.finish(name: name)
    }

    // MARK: - One batch

    func validate(_ b: EpisodeBatch, index: Int, layout: EpisodeLayout) throws {
        let e = b.episodes, t = layout.steps, n = layout.bodies
        func check(_ field: String, _ count: Int?, _ expected: Int, _ shape: String) throws {
            guard let count else { return }
            if count != expected {
                throw EvaluationError.malformedBatch(batch: index, field: field,
                                                     expected: "\(expected) values \(shape)", found: "\(count) values")
            }
        }
        try check("frames", b.frames.count, e * t * layout.frame.byteCount,
                  "[\(e),\(t),\(layout.frame.height),\(layout.frame.width),\(layout.frame.channels)]")
        try check("states", b.states.count, e * t * n * EpisodeLayout.stateFields, "[\(e),\(t),\(n),6]")
        try check("actions", b.actions.count, e * t * layout.actionDimension, "[\(e),\(t),\(layout.actionDimension)]")
        try check("seeds", b.seeds.count, e, "[\(e)]")
        try check("collisions", b.collisions?.count, e * t * n, "[\(e),\(t),\(n)]")
        try check("mask", b.mask?.count, e * n, "[\(e),\(n)]")
        try check("violation_frame", b.violationFrame?.count, e, "[\(e)]")
        if b.violationFrame != nil {
            guard b.pair != nil, b.violationType != nil else {
                throw EvaluationError.malformedBatch(batch: index, field: "pair/violation_type",
                                                     expected: "present beside violation_frame", found: "missing")
            }
        }
        try check("pair", b.pair?.count, e, "[\(e)]")
        try check("violation_type", b.violationType?.count, e, "[\(e)]")
    }

    func process(_ b: EpisodeBatch, into totals: inout RunningTotals, layout: EpisodeLayout) throws {
        let calls = ModelCalls(model: model, maximumBatch: options.maximumBatch)
        let t = layout.steps
        let latents = try calls.encode(b.frames, count: b.episodes * t)

        let possible = (0..<b.episodes).filter { e in (b.violationFrame?[e] ?? -1) < 0 }
        if !possible.isEmpty {
            try totals.addPrediction(batch: b, clips: possible, latents: latents, calls: calls)
        }
        if b.violationFrame != nil {
            try totals.addSurprise(batch: b, latents: latents, calls: calls)
        }
        totals.episodes += b.episodes
    }
}

/// Chunked, checked model calls: never more than `maximumBatch` rows at once, and every output is
/// checked for size and finiteness so a broken checkpoint fails loudly instead of scoring NaN.
struct ModelCalls {
    let model: EvaluableModel
    let maximumBatch: Int

    func encode(_ frames: [UInt8], count: Int) throws -> [Float] {
        let size = model.frameShape.byteCount
        return try chunked(count: count, outWidth: model.latentDimension, call: "encode") { start, rows in
            try model.encode(frames: Array(frames[(start * size)..<((start + rows) * size)]), count: rows)
        }
    }

    /// `rolloutStep`: 1 when the history is all encoded latents, k when it ends in the prediction of step k − 1.
    func predict(history: [Float], actions: [Float], count: Int, rolloutStep: Int = 1) throws -> [Float] {
        let hw = model.historyLength * model.latentDimension, a = model.actionDimension
        return try chunked(count: count, outWidth: model.latentDimension, call: "predictNext") { start, rows in
            try model.predictNext(history: Array(history[(start * hw)..<((start + rows) * hw)]),
                                  actions: Array(actions[(start * a)..<((start + rows) * a)]), count: rows,
                                  currentIsPredicted: rolloutStep > 1)
        }
    }

    func probe(_ latents: [Float], count: Int) throws -> [Float] {
        let d = model.latentDimension
        return try chunked(count: count, outWidth: model.probeBodies * 2, call: "probePositions") { start, rows in
            try model.probePositions(latents: Array(latents[(start * d)..<((start + rows) * d)]), count: rows)
        }
    }

    /// Angle read-outs [count, N, 2], or nil when the model has none.
    func angles(_ latents: [Float], count: Int) throws -> [Float]? {
        let d = model.latentDimension
        guard count > 0, try model.probeAngles(latents: Array(latents[0..<d]), count: 1) != nil else { return nil }
        return try chunked(count: count, outWidth: model.probeBodies * 2, call: "probeAngles") { start, rows in
            try model.probeAngles(latents: Array(latents[(start * d)..<((start + rows) * d)]), count: rows) ?? []
        }
    }

    /// Velocities [count, N, 2] from consecutive latents, or nil when the model has no velocity probe.
    func velocities(previous: [Float], current: [Float], count: Int) throws -> [Float]? {
        let d = model.latentDimension
        guard count > 0, try model.probeVelocities(previous: Array(previous[0..<d]), current: Array(current[0..<d]), count: 1) != nil else { return nil }
        return try chunked(count: count, outWidth: model.probeBodies * 2, call: "probeVelocities") { start, rows in
            let range = (start * d)..<((start + rows) * d)
            return try model.probeVelocities(previous: Array(previous[range]), current: Array(current[range]), count: rows) ?? []
        }
    }

    private func chunked(count: Int, outWidth: Int, call: String,
                         _ body: (Int, Int) throws -> [Float]) throws -> [Float] {
        if count <= maximumBatch {
            let out = try body(0, count)
            try check(out, count * outWidth, call)
            return out
        }
        var result = [Float]()
        result.reserveCapacity(count * outWidth)
        var start = 0
        while start < count {
            let rows = min(maximumBatch, count - start)
            let out = try body(start, rows)
            try check(out, rows * outWidth, call)
            result += out
            start += rows
        }
        return result
    }

    private func check(_ out: [Float], _ expected: Int, _ call: String) throws {
        if out.count != expected { throw EvaluationError.modelOutput(call: call, expected: expected, found: out.count) }
        let finite = out.withUnsafeBufferPointer { p -> Bool in
            var ok = true
            for v in p where !v.isFinite { ok = false; break }
            return ok
        }
        if !finite { throw EvaluationError.nonFiniteModelOutput(call: call) }
    }
}
