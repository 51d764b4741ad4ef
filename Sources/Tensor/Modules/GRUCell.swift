/// A gated recurrent unit cell (PyTorch's equations), the sequence-capable predictor block:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr),  u = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − u) ⊙ n + u ⊙ h
/// Gates are stacked [r; u; n] in one [3H, in] matrix per side, as in PyTorch's `weight_ih`/`weight_hh`.
public final class GRUCell: Module {
    public let inputProjection: Linear   // x → 3H
    public let hiddenProjection: Linear  // h → 3H
    public let hiddenSize: Int

    public init(inputSize: Int, hiddenSize: Int, rng: inout RNG) {
        // PyTorch initialises every GRU tensor uniformly in ±1/sqrt(hidden).
        let initialise = LayerInit(fanIn: hiddenSize)
        inputProjection = Linear(inputSize, 3 * hiddenSize, initialise: initialise, rng: &rng)
        hiddenProjection = Linear(hiddenSize, 3 * hiddenSize, initialise: initialise, rng: &rng)
        self.hiddenSize = hiddenSize
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        prefixed("ih", inputProjection) + prefixed("hh", hiddenProjection)
    }

    /// One step: x [N, in], h [N, H] → h' [N, H].
    public func callAsFunction(_ x: Tensor, _ h: Tensor) throws -> Tensor {
        guard h.rank == 2, h.shape[1] == hiddenSize, x.rank == 2, x.shape[0] == h.shape[0] else {
            throw TensorError.shapeMismatch(op: "GRUCell", lhs: x.shape, rhs: h.shape)
        }
        let gi = try inputProjection(x).split([hiddenSize, hiddenSize, hiddenSize], axis: 1)
        let gh = try hiddenProjection(h).split([hiddenSize, hiddenSize, hiddenSize], axis: 1)
        let r = try (gi[0] + gh[0]).sigmoid()
        let u = try (gi[1] + gh[1]).sigmoid()
        let n = try (gi[2] + r * gh[2]).tanh()
        return try n + u * (h - n)
    }

    /// Runs over a sequence x [N, T, in] from h0 [N, H] (zeros if nil); returns every hidden state [N, T, H].
    public func sequence(_ x: Tensor, initial h0: Tensor? = nil) throws -> Tensor {
        guard x.rank == 3 else { throw TensorError.invalidArgument(op: "GRUCell.sequence", message: "needs [N, T, in], got \(x.shape)") }
        var h = h0 ?? Tensor.zeros([x.shape[0], hiddenSize])
        var outs: [Tensor] = []
        for t in 0..<x.shape[1] {
            h = try self(x.select(axis: 1, index: t), h)
            outs.append(h)
        }
        return try Tensor.stack(outs, axis: 1)
    }
}
