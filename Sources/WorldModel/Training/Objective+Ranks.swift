import Tensor

/// The objective when the global batch is split over ranks. Each rank's losses are means over its own share
/// and the ranks' gradients are averaged (`GradientExchange`), which gives the global batch's gradient for every
/// term that is a mean over clips or pixels. InfoMax's marginal entropy is not: H(p̄) is taken over the whole
/// batch's masks, and its motion weights are normalised over the whole batch. Each rank therefore sums its share's
/// marginals, motion totals (and motion-weighted entropy, `infomax_weighting: mixture`) with the others' first (a
/// second, small allreduce of 2C + 2 floats), uses the global values in the forward pass, and back-propagates K
/// times its own share's part of them, so the average over ranks is the global gradient. VICReg and SIGReg couple the batch more
/// deeply (covariances, characteristic functions) and are refused under MPI (`Trainer`).
extension Objective {
    /// `infomax` of the whole global batch, from this rank's `masks` (before `infomax_weight`).
    static func infomaxAcrossRanks(_ masks: MaskRows, batch: EpisodeBatch, network: WorldNetwork, ranks: Ranks) throws -> Tensor {
        let config = network.config, k = Float(ranks.count)
        let sharpness = Float(config.infomaxSharpness), motionShare = Float(config.infomaxMotion)
        let c = masks.values.shape[masks.values.rank - 1], r = masks.values.count / c
        let p = try masks.values.reshaped([r, c])
        let rowEntropy = try (p * (p + 1e-8).log()).sum(axes: [1])
        // A mean over this rank's pixels: the average over ranks is the global batch's (equal shares).
        let pixelEntropy = try (masks.shares.map { try $0.matmul(rowEntropy.reshaped([r, 1])).reshaped([]) } ?? rowEntropy.mean()) * -1
        let mean = try masks.shares.map { try $0.matmul(p).reshaped([c]) } ?? p.mean(axes: [0])
        var moving: Tensor? = nil, movingEntropy: Tensor? = nil, motionTotal: Float = 0
        if motionShare > 0 {
            let raw = motionTotals(batch: batch, info: network.info, maskHeight: masks.height, maskWidth: masks.width)
            let weights = masks.rowWeights(try Tensor(raw.weights, shape: [1, raw.weights.count]))
            moving = try weights.matmul(p).reshaped([c])
            if config.infomaxMixtureWeighting { movingEntropy = try weights.matmul(rowEntropy.reshaped([r, 1])).reshaped([1]) }
            motionTotal = raw.total
        }
        Profiler.endSpan("motion weights")
        var totals = mean.scalars + (moving?.scalars ?? [Float](repeating: 0, count: c)) + [movingEntropy?.scalars[0] ?? 0, motionTotal]
        Profiler.enter("allreduce")
        try ranks.sum(&totals, what: "the InfoMax marginal allreduce")
        Profiler.endSpan("MPI_Allreduce marginal")
        Profiler.enter("forward")
        // Forward: the global value exactly ((x − x) is 0); backward: K × this rank's part.
        var marginal = try (mean - mean.detached()) + Tensor(Array(totals[0..<c]), shape: [c]) * (1 / k)
        var decisiveness = pixelEntropy
        let globalMotion = totals[2 * c + 1]
        if let moving, globalMotion > 0 {
            let movingGlobal = try (moving - moving.detached()) * (k / globalMotion)
                + Tensor(Array(totals[c..<(2 * c)]), shape: [c]) * (1 / globalMotion)
            marginal = try marginal * (1 - motionShare) + movingGlobal * motionShare
            if let movingEntropy {
                let global = try (movingEntropy - movingEntropy.detached()) * (k / globalMotion)
                    + Tensor([totals[2 * c] / globalMotion], shape: [1])
                decisiveness = try pixelEntropy * (1 - motionShare) + global.reshaped([]) * (-motionShare)
            }
        }
        let marginalEntropy = try (marginal * (marginal + 1e-8).log()).sum() * -1
        return try decisiveness * sharpness - marginalEntropy
    }
}
