/// One violation-dataset clip's surprise under both definitions and the pixel detector.
struct ClipSurprise {
    var pair: Int64
    var impossible: Bool
    var type: String
    var seed: UInt64
    var model: [SurpriseMetrics.Reduction: Double]
    var pixel: Double

    /// Matches each possible clip with its impossible twin and scores every violation type.
    static func score(_ clips: [ClipSurprise]) throws -> [SurpriseResult] {
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
        var byType: [String: [(ClipSurprise, ClipSurprise)]] = [:]
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
        return byType.keys.sorted().map { type in
            let pairs = byType[type]!
            var accuracy: [SurpriseMetrics.Reduction: Double] = [:]
            var auroc: [SurpriseMetrics.Reduction: Double] = [:]
            for r in SurpriseMetrics.Reduction.allCases {
                let pos = pairs.map { $0.0.model[r]! }, imp = pairs.map { $0.1.model[r]! }
                accuracy[r] = SurpriseMetrics.pairwiseAccuracy(possible: pos, impossible: imp)
                auroc[r] = SurpriseMetrics.auroc(negatives: pos, positives: imp)
            }
            let pixPos = pairs.map { $0.0.pixel }, pixImp = pairs.map { $0.1.pixel }
            var result = SurpriseResult(type: type, pairs: pairs.count, pairwiseAccuracy: accuracy, auroc: auroc,
                                        pixelPairwiseAccuracy: SurpriseMetrics.pairwiseAccuracy(possible: pixPos, impossible: pixImp),
                                        pixelAUROC: SurpriseMetrics.auroc(negatives: pixPos, positives: pixImp))
            // Accuracy is a proportion of pairs (Wilson interval); AUROC is bootstrapped over pairs, each possible
            // clip resampled with its impossible twin.
            let pos = pairs.map { $0.0.model[.max]! }, imp = pairs.map { $0.1.model[.max]! }
            result.pairwiseAccuracyCI95 = Intervals.wilson95(accuracy[.max]!, n: pairs.count)
            result.aurocCI95 = Intervals.bootstrap95(count: pairs.count, seed: SurpriseMetrics.seed(for: type)) { idx in
                SurpriseMetrics.auroc(negatives: idx.map { pos[$0] }, positives: idx.map { imp[$0] })
            }
            return result
        }
    }
}
