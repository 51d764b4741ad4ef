import Tensor

/// `model.predictor.kind: gru`: the tensor engine's GRU cell runs over the history z(t−1), z(t) from a zero
/// state, and a linear read-out of its last state and the action a(t) gives the change:
/// ẑ(t+1) = z(t) + W·[h(t), a(t)] + b. A recurrent block needs no map, so it fits every latent kind.
final class SequencePredictor: Predictor {
    let cell: GRUCell
    let out: Linear

    init(config: TrainingConfig, shape: LatentShape, rng: inout RNG) {
        let hidden = config.predictorHidden[0]
        cell = GRUCell(inputSize: shape.dimension, hiddenSize: hidden, rng: &rng)
        out = Linear(hidden + shape.actions, shape.dimension, initialise: .residual(0.1), rng: &rng)
    }

    var parameters: [(name: String, tensor: Tensor)] { prefixed("gru", cell) + prefixed("out", out) }

    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        var h = Tensor.zeros([current.shape[0], cell.hiddenSize])
        h = try cell(previous, h)
        h = try cell(current, h)
        let features = try actions.map { try Tensor.concat([h, $0], axis: 1) } ?? h
        return try current + out(features)
    }
}
