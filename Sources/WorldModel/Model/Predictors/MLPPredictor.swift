import Tensor

/// `model.predictor.kind: mlp`: ẑ(t+1) = z(t) + f([z(t-1), z(t), a(t)]), f an MLP over the flat latents
/// (`model.predictor.hidden`), its last layer starting small so the model starts as copy-last.
final class MLPPredictor: Predictor {
    let layers: [Linear]

    init(config: TrainingConfig, shape: LatentShape, rng: inout RNG) {
        var fin = 2 * shape.dimension + shape.actions
        let sizes = config.predictorHidden + [shape.dimension]
        var built: [Linear] = []
        for (i, fout) in sizes.enumerated() {
            let last = i == sizes.count - 1
            built.append(Linear(fin, fout, activation: last ? .identity : .relu, initialise: .residual(last ? 0.1 : 1), rng: &rng))
            fin = fout
        }
        layers = built
    }

    var parameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed(String($0.offset), $0.element) }
    }

    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        var h = try Tensor.concat([previous, current] + (actions.map { [$0] } ?? []), axis: 1)
        for layer in layers { h = try layer(h) }
        return try current + h
    }
}
