import Tensor

/// `model.predictor.action_maps: actor`: before the first step, choose the one map the objects predictor gives the
/// action to. The actor is the body the action accelerates, so the choice is the map whose centroid acceleration
/// c(t+1) − 2c(t) + c(t−1) lines up best with the action a(t) over the first batch (cosine over all clips and
/// steps, both axes; maps with almost no mass are skipped). It reads the encoder's maps and the actions, no states.
enum ActionMapChoice {
    /// Maps lighter than this share of the heaviest map's mean mass hold no body.
    static let minimumMassShare: Float = 0.05

    /// Sets the predictor's action map; returns its index (nil when the predictor has none to set).
    @discardableResult
    static func run(network: WorldNetwork, batch: EpisodeBatch) throws -> Int? {
        guard let predictor = network.predictor as? ObjectsPredictor, predictor.actionMap != nil,
              let moments = network.mapMoments else { return nil }
        let b = batch.episodes, t = batch.layout.steps, a = batch.actions.count / max(b * t, 1)
        guard t >= 3, a >= 1 else { return nil }
        let input = batch.frames.withUnsafeBufferPointer { network.input(frames: $0, count: b * t) }
        let (mass, centroid) = try Tensor.noGrad { () -> ([Float], [Float]) in
            let read = try moments(network.encode(input))
            return (read.mass.scalars, read.centroid.scalars)                     // [B·T, C, 1], [B·T, C, 2]
        }
        let c = moments.channels
        var meanMass = [Float](repeating: 0, count: c)
        for i in 0..<(b * t) { for k in 0..<c { meanMass[k] += mass[i * c + k] / Float(b * t) } }
        let heaviest = meanMass.max() ?? 0
        var best = 0, bestScore = -Float.infinity
        for k in 0..<c where meanMass[k] >= minimumMassShare * heaviest {
            var dot: Float = 0, accNorm: Float = 0, actNorm: Float = 0
            for e in 0..<b { for s in 1..<(t - 1) {
                for axis in 0..<min(2, a) {
                    func at(_ step: Int) -> Float { centroid[((e * t + step) * c + k) * 2 + axis] }
                    let acc = at(s + 1) - 2 * at(s) + at(s - 1)
                    // Map rows run down the frame while the world's y runs up: the y action pushes up, rows decrease.
                    let act = batch.actions[(e * t + s) * a + axis] * (axis == 1 ? -1 : 1)
                    dot += acc * act; accNorm += acc * acc; actNorm += act * act
                }
            } }
            let score = dot / max((accNorm * actNorm).squareRoot(), 1e-12)
            if score > bestScore { bestScore = score; best = k }
        }
        predictor.giveActions(toMap: best)
        return best
    }
}
