import Common

/// One violation-dataset clip's surprise under both definitions and the pixel detector.
struct ClipSurprise: Equatable, Sendable {
    var pair: Int64
    var impossible: Bool
    var type: String
    var seed: UInt64
    var model: [SurpriseMetrics.Reduction: Double]
    var pixel: Double
    /// The first frame that shows the violation (−1 in a possible clip).
    var violationFrame: Int = -1
    /// The per-step surprise the reductions are taken over, t = history…T−1.
    var steps: [Double] = []

    /// Every clip of a violation batch: the per-step surprise is the 1-step teacher-forced latent error
    /// ‖ẑ(t) − z(t)‖²/D for t = history…T−1 (`latents` are the batch's encoded frames, [E, T, D]), reduced per
    /// clip; `untrainedBaseline` skips the model-free detector and keeps only the reductions, not every step (an
    /// untrained initialisation needs neither: only the model's clips are written by `--clips`).
    static func clips(batch b: EpisodeBatch, latents: [Float], steps t: Int, calls: ModelCalls, untrainedBaseline: Bool = false) throws -> [ClipSurprise] {
        let h = calls.model.historyLength, a = calls.model.actionDimension, d = calls.model.latentDimension, e = b.episodes
        let perClip = t - h
        let frameSize = b.frames.count / max(1, e * t)
        var pixel = [Double](repeating: .nan, count: e)
        if !untrainedBaseline {
            b.frames.withUnsafeBufferPointer { fp in
                pixel.withUnsafeMutableBufferPointer { out in
                    let base = fp.baseAddress!, o = out.baseAddress!
                    Parallel.forEach(e) { clip in
                        let clipFrames = UnsafeBufferPointer(start: base + clip * t * frameSize, count: t * frameSize)
                        o[clip] = PixelBaseline.clipScore(clipFrames, steps: t, frameSize: frameSize)
                    }
                }
            }
        }
        // Rows (clip, step), predicted in chunks so memory stays bounded by one model batch, not by clips × steps × history.
        let rows = e * perClip
        var stepErrors = [Double](repeating: 0, count: rows)
        var chunkStart = 0
        while chunkStart < rows {
            let count = min(calls.maximumBatch, rows - chunkStart)
            var history = [Float](repeating: 0, count: count * h * d)
            var actions = [Float](repeating: 0, count: count * a)
            for i in 0..<count {
                let r = chunkStart + i, clip = r / perClip, step = h + r % perClip
                let from = (clip * t + step - h) * d
                history.replaceSubrange((i * h * d)..<((i + 1) * h * d), with: latents[from..<(from + h * d)])
                if a > 0 {
                    let af = (clip * t + step - 1) * a
                    actions.replaceSubrange((i * a)..<((i + 1) * a), with: b.actions[af..<(af + a)])
                }
            }
            let predicted = try calls.predict(history: history, actions: actions, count: count)
            predicted.withUnsafeBufferPointer { pp in
                latents.withUnsafeBufferPointer { zp in
                    for i in 0..<count {
                        let r = chunkStart + i, clip = r / perClip, step = h + r % perClip
                        stepErrors[r] = squaredDistance(pp.baseAddress! + i * d, zp.baseAddress! + (clip * t + step) * d, d) / Double(d)
                    }
                }
            }
            chunkStart += count
        }
        return (0..<e).map { clip in
            let slice = stepErrors[(clip * perClip)..<((clip + 1) * perClip)]
            return ClipSurprise(
                pair: b.pair![clip], impossible: b.violationFrame![clip] >= 0, type: b.violationType![clip],
                seed: b.seeds[clip],
                model: [.max: SurpriseMetrics.clipSurprise(slice, .max), .mean: SurpriseMetrics.clipSurprise(slice, .mean)],
                pixel: pixel[clip], violationFrame: Int(b.violationFrame![clip]), steps: untrainedBaseline ? [] : Array(slice))
        }
    }

    /// Matches each possible clip with its impossible twin, per violation type (sorted by type, then pair).
    static func pairs(_ clips: [ClipSurprise]) throws -> [(type: String, pairs: [(possible: ClipSurprise, impossible: ClipSurprise)])] {
        var byPair: [Int64: (possible: ClipSurprise?, impossible: ClipSurprise?)] = [:]
        for c in clips {
            var entry = byPair[c.pair] ?? (nil, nil)
            if c.impossible {
                if entry.impossible != nil { throw EvaluationError.malformedPair(pair: c.pair, problem: "two impossible clips") }
                entry.impossible = c
            } else {
                if entry.possible != nil { throw EvaluationError.malformedPair(pair: c.pair, problem: "two possible clips") }
                entry.possible = c
            }
            byPair[c.pair] = entry
        }
        var byType: [String: [(possible: ClipSurprise, impossible: ClipSurprise)]] = [:]
        for id in byPair.keys.sorted() {
            let entry = byPair[id]!
            guard let possible = entry.possible else {
                throw EvaluationError.malformedPair(pair: id, problem: "impossible clip without its possible twin")
            }
            guard let impossible = entry.impossible else {
                throw EvaluationError.malformedPair(pair: id, problem: "possible clip without its impossible twin")
            }
            if possible.seed != impossible.seed {
                throw EvaluationError.malformedPair(pair: id, problem: "twins have different seeds (\(possible.seed), \(impossible.seed))")
            }
            guard !impossible.type.isEmpty else {
                throw EvaluationError.malformedPair(pair: id, problem: "impossible clip has no violation_type")
            }
            byType[impossible.type, default: []].append((possible, impossible))
        }
        return byType.keys.sorted().map { ($0, byType[$0]!) }
    }

    /// Every clip as one CSV row, by pair and with the possible twin first: pair, type ("possible" or the violation),
    /// violation frame (−1: none), episode seed, surprise (max and mean over steps), the pixel detector's score, and
    /// the per-step surprise at t = `history`…T−1, so a miss can be traced to the step that decided it.
    static func table(_ clips: [ClipSurprise], history: Int) -> String {
        let width = clips.map(\.steps.count).max() ?? 0
        var lines = ["pair,type,violation_frame,seed,surprise_max,surprise_mean,pixel"
            + (0..<width).map { ",t\(history + $0)" }.joined()]
        func number(_ v: Double) -> String { v.isFinite ? String(format: "%.9g", v) : "" }
        for c in clips.sorted(by: { ($0.pair, $0.impossible ? 1 : 0) < ($1.pair, $1.impossible ? 1 : 0) }) {
            let fields = ["\(c.pair)", c.impossible ? c.type : "possible", "\(c.violationFrame)", "\(c.seed)",
                          number(c.model[.max]!), number(c.model[.mean]!), number(c.pixel)]
            lines.append((fields + c.steps.map(number)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Absolute-accuracy thresholds: the 90th percentile over every possible clip, per definition and for the pixel detector.
    typealias Thresholds = (model: [SurpriseMetrics.Reduction: Double], pixel: Double, possible: Int)

    static func thresholds(_ clips: [ClipSurprise]) -> Thresholds {
        let possible = clips.filter { !$0.impossible }
        var model: [SurpriseMetrics.Reduction: Double] = [:]
        for r in SurpriseMetrics.Reduction.allCases {
            model[r] = SurpriseMetrics.percentile(possible.map { $0.model[r]! }, SurpriseMetrics.absoluteThresholdPercentile)
        }
        return (model, SurpriseMetrics.percentile(possible.map(\.pixel), SurpriseMetrics.absoluteThresholdPercentile), possible.count)
    }

    /// Scores every violation type against `limits` (`thresholds(clips)`); `untrained` holds the same clips (same
    /// order) scored by untrained networks.
    static func score(_ clips: [ClipSurprise], limits: Thresholds, untrained: [[ClipSurprise]] = []) throws -> [SurpriseResult] {
        let untrainedTypes = try untrained.map { (try pairs($0), thresholds($0).model) }
        return try pairs(clips).enumerated().map { index, entry in
            let (type, pairs) = entry
            var accuracy: [SurpriseMetrics.Reduction: Double] = [:]
            var auroc: [SurpriseMetrics.Reduction: Double] = [:]
            var absolute: [SurpriseMetrics.Reduction: Double] = [:]
            for r in SurpriseMetrics.Reduction.allCases {
                let pos = pairs.map { $0.possible.model[r]! }, imp = pairs.map { $0.impossible.model[r]! }
                accuracy[r] = SurpriseMetrics.pairwiseAccuracy(possible: pos, impossible: imp)
                auroc[r] = SurpriseMetrics.auroc(negatives: pos, positives: imp)
                absolute[r] = SurpriseMetrics.absoluteAccuracy(possible: pos, impossible: imp, threshold: limits.model[r]!)
            }
            let pixPos = pairs.map { $0.possible.pixel }, pixImp = pairs.map { $0.impossible.pixel }
            var result = SurpriseResult(type: type, pairs: pairs.count, pairwiseAccuracy: accuracy, auroc: auroc,
                                        pixelPairwiseAccuracy: SurpriseMetrics.pairwiseAccuracy(possible: pixPos, impossible: pixImp),
                                        pixelAUROC: SurpriseMetrics.auroc(negatives: pixPos, positives: pixImp))
            result.absoluteAccuracy = absolute
            result.pixelAbsoluteAccuracy = SurpriseMetrics.absoluteAccuracy(possible: pixPos, impossible: pixImp, threshold: limits.pixel)
            // Accuracy is a proportion of pairs (Wilson interval); AUROC and absolute accuracy are bootstrapped over pairs,
            // each possible clip resampled with its impossible twin.
            let pos = pairs.map { $0.possible.model[.max]! }, imp = pairs.map { $0.impossible.model[.max]! }
            let seed = SurpriseMetrics.seed(for: type)
            result.pairwiseAccuracyCI95 = Intervals.wilson95(accuracy[.max]!, n: pairs.count)
            result.aurocCI95 = Intervals.bootstrap95(count: pairs.count, seed: seed) { idx in
                SurpriseMetrics.auroc(negatives: idx.map { pos[$0] }, positives: idx.map { imp[$0] })
            }
            result.absoluteAccuracyCI95 = Intervals.bootstrap95(count: pairs.count, seed: seed) { idx in
                SurpriseMetrics.absoluteAccuracy(possible: idx.map { pos[$0] }, impossible: idx.map { imp[$0] },
                                                 threshold: limits.model[.max]!)
            }
            if !untrainedTypes.isEmpty {
                var acc: [SurpriseMetrics.Reduction: [Double]] = [:], roc = acc, abs = acc
                for (typed, threshold) in untrainedTypes {
                    guard index < typed.count, typed[index].type == type else {
                        throw EvaluationError.malformedPair(pair: -1, problem: "untrained scoring saw other pairs than the model's")
                    }
                    let p = typed[index].pairs
                    for r in SurpriseMetrics.Reduction.allCases {
                        let up = p.map { $0.possible.model[r]! }, ui = p.map { $0.impossible.model[r]! }
                        acc[r, default: []].append(SurpriseMetrics.pairwiseAccuracy(possible: up, impossible: ui))
                        roc[r, default: []].append(SurpriseMetrics.auroc(negatives: up, positives: ui))
                        abs[r, default: []].append(SurpriseMetrics.absoluteAccuracy(possible: up, impossible: ui, threshold: threshold[r]!))
                    }
                }
                result.untrained = UntrainedSurprise(initialisations: untrainedTypes.count,
                                                     pairwiseAccuracy: acc.mapValues(MeanSD.init),
                                                     auroc: roc.mapValues(MeanSD.init),
                                                     absoluteAccuracy: abs.mapValues(MeanSD.init))
            }
            return result
        }
    }
}
