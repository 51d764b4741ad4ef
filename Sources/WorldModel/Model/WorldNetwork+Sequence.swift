import Tensor

/// The sequence predictor (`model.predictor.kind: gru`): a GRU cell (the tensor engine's equations, PyTorch's
/// gate layout) runs over the latent history z(t−1), z(t) from a zero state, and a linear read-out of its last
/// state and the action a(t) gives the change: ẑ(t+1) = z(t) + W·[h(t), a(t)] + b.
/// Why an option: a recurrent block is the design's sequence-capable predictor; on flat latents it needs no map.
extension WorldNetwork {
    /// Adds the GRU's stacked [r; u; n] weights (`predictor.gru.ih/hh.*`) and the read-out.
    static func addSequencePredictor(to set: ParameterSet, latent d: Int, actions a: Int, hidden h: Int, rng: inout RNG) {
        // PyTorch initialises every GRU tensor uniformly in ±1/sqrt(hidden): fan-in h for a bound of 1/sqrt(h).
        set.add("predictor.gru.ih.weight", Init.uniform([3 * h, d], fanIn: h, rng: &rng))
        set.add("predictor.gru.ih.bias", Init.uniform([3 * h], fanIn: h, rng: &rng))
        set.add("predictor.gru.hh.weight", Init.uniform([3 * h, h], fanIn: h, rng: &rng))
        set.add("predictor.gru.hh.bias", Init.uniform([3 * h], fanIn: h, rng: &rng))
        set.add("predictor.out.weight", Init.uniform([d, h + a], fanIn: h + a, scale: 0.1, rng: &rng))
        set.add("predictor.out.bias", Tensor.zeros([d]))
    }

    /// One GRU step: x [M, d], h [M, H] → h' [M, H].
    private func gruStep(_ x: Tensor, _ h: Tensor) throws -> Tensor {
        let size = h.shape[1]
        let gi = try Tensor.linear(x, weight: online["predictor.gru.ih.weight"], bias: online["predictor.gru.ih.bias"])
            .split([size, size, size], axis: 1)
        let gh = try Tensor.linear(h, weight: online["predictor.gru.hh.weight"], bias: online["predictor.gru.hh.bias"])
            .split([size, size, size], axis: 1)
        let r = try (gi[0] + gh[0]).sigmoid()
        let u = try (gi[1] + gh[1]).sigmoid()
        let n = try (gi[2] + r * gh[2]).tanh()
        return try n + u * (h - n)
    }

    /// W·[h(t), a(t)] + b after running the GRU over z(t−1), z(t).
    func predictSequenceChange(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        let size = online["predictor.gru.hh.weight"].shape[1]
        var h = Tensor.zeros([current.shape[0], size])
        h = try gruStep(previous, h)
        h = try gruStep(current, h)
        let features = try actions.map { try Tensor.concat([h, $0], axis: 1) } ?? h
        return try Tensor.linear(features, weight: online["predictor.out.weight"], bias: online["predictor.out.bias"])
    }
}
