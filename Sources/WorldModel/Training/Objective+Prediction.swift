import Tensor

/// The prediction part of `Objective.run` on latents that are already computed: what online learning
/// trains when the encoder is frozen (its latents, which the probe and decoder read, must not move).
///
/// `run` calls it too, so training and online learning share one definition of these terms.
extension Objective {
    struct PredictionLosses {
        /// Teacher-forced + rollout_weight · rollout: what is back-propagated.
        var total: Tensor
        var prediction: Double
        var rollout: Double
    }

    /// Latents `z` [B·T, D] of B clips of T frames (the inputs), `targets` [B·T, D] (what each step should
    /// predict; the same tensor with a frozen encoder), actions [B, T, A] flattened.
    static func predictionLoss(network: WorldNetwork, latents z: Tensor, targets: Tensor, clips b: Int, length t: Int,
                               actions: [Float]) throws -> PredictionLosses {
        let config = network.config, d = network.latentDimension, a = network.info.actionDimension
        let zs = try z.reshaped([b, t, d]), ts = try targets.reshaped([b, t, d])
        func frames(_ s: Tensor, _ range: Range<Int>) throws -> Tensor {
            try s.slice(axis: 1, range).reshaped([b * range.count, d])
        }
        func actionRows(from start: Int, count: Int) -> [Float] {
            guard a > 0 else { return [] }
            var out = [Float](); out.reserveCapacity(b * count * a)
            for c in 0..<b { for j in 0..<count { let base = (c * t + start + j) * a; out += actions[base..<(base + a)] } }
            return out
        }
        let moments = config.centroidWeight > 0 ? network.mapMoments : nil   // nil for latents without maps
        func latentLoss(_ p: Tensor, _ q: Tensor) throws -> Tensor {
            let loss: Tensor
            switch config.loss {
            case .mse: loss = try Tensor.mse(p, q)
            case .l1: loss = try Tensor.l1(p, q)
            case .smoothL1: loss = try Tensor.smoothL1(p, q)
            }
            guard let moments else { return loss }
            return try loss + moments.centroidLoss(p, q) * Float(config.centroidWeight)
        }
        // Teacher forcing over t = 1 … T-2.
        let tfCount = t - 2
        let tfPred = try network.predict(previous: frames(zs, 0..<tfCount), current: frames(zs, 1..<(tfCount + 1)),
                                         actions: network.actionTensor(actionRows(from: 1, count: tfCount), count: b * tfCount))
        let tfLoss = try latentLoss(tfPred, frames(ts, 2..<t))
        var total = tfLoss
        var out = PredictionLosses(total: tfLoss, prediction: Double(try tfLoss.item()), rollout: 0)

        // Rollout steps 2 … k from every start s in 0..<S.
        let k = config.rolloutSteps
        if k >= 2 && config.rolloutWeight > 0 {
            let starts = t - 1 - k
            var previous = try frames(zs, 1..<(1 + starts))
            var current = try tfPred.reshaped([b, tfCount, d]).slice(axis: 1, 0..<starts).reshaped([b * starts, d])
            var rollout: Tensor? = nil
            for j in 2...k {
                let next = try network.predict(previous: previous, current: current,
                                               actions: network.actionTensor(actionRows(from: j, count: starts), count: b * starts))
                let l = try latentLoss(next, frames(ts, (j + 1)..<(j + 1 + starts)))
                rollout = try rollout.map { try $0 + l } ?? l
                previous = current; current = next
            }
            let r = try rollout! * Float(1.0 / Double(k - 1))
            out.rollout = Double(try r.item())
            total = try total + r * Float(config.rolloutWeight)
        }
        out.total = total
        return out
    }
}
