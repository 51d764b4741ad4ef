import Tensor

/// `model.predictor.kind: conv`: ẑ(t+1) = z(t) + f(z(t-1), z(t), a(t)), f a residual CNN over the two maps
/// stacked with the action broadcast to planes; its last layer starts small so the model starts as copy-last.
final class ConvPredictor: Predictor {
    let layers: [Conv2d]
    let shape: LatentShape

    init(config: TrainingConfig, shape: LatentShape, rng: inout RNG) {
        self.shape = shape
        let k = config.predictorKernel
        var cin = 2 * shape.channels + shape.actions
        var built: [Conv2d] = []
        for i in 0..<config.predictorLayers {
            let last = i == config.predictorLayers - 1
            let cout = last ? shape.channels : config.predictorChannels
            built.append(Conv2d(cin, cout, kernel: k, stride: 1, padding: k / 2, activation: last ? .identity : .relu,
                                initialise: .residual(last ? 0.1 : 1), rng: &rng))
            cin = cout
        }
        layers = built
    }

    var parameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed(String($0.offset), $0.element) }
    }

    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        let m = current.shape[0], map = [m, shape.height, shape.width, shape.channels]
        var parts = [try previous.reshaped(map), try current.reshaped(map)]
        if let actions {
            let a = actions.shape[1]
            parts.append(try actions.reshaped([m, 1, 1, a]).expand(to: [m, shape.height, shape.width, a]))
        }
        var h = try Tensor.concat(parts, axis: 3)
        for layer in layers { h = try layer(h) }
        return try current + h.reshaped([m, shape.dimension])
    }
}
