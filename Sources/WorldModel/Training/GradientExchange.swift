import Foundation
import Tensor

/// One data-parallel step's exchange: every gradient (encoder, predictor, heads), the loss terms and the ranks'
/// stop votes packed into one buffer, summed by one `MPI_Allreduce`, and unpacked as averages. After it every
/// rank holds the same gradients and losses, so each takes the same clipping, guard and optimiser step and the
/// parameters never drift apart.
struct GradientExchange {
    let ranks: Ranks
    /// Parameters in a fixed order (the same on every rank: the architecture's).
    let parameters: [(name: String, tensor: Tensor)]
    /// Floats in one exchange: every parameter, the seven loss terms and two votes.
    let count: Int

    static let lossTerms = 7

    init(ranks: Ranks, parameters: [(name: String, tensor: Tensor)]) {
        self.ranks = ranks
        self.parameters = parameters
        count = parameters.reduce(0) { $0 + $1.tensor.count } + Self.lossTerms + 2
    }

    /// Bytes each rank contributes to a step's gradient allreduce.
    var bytes: Int { count * MemoryLayout<Float>.size }

    /// The exchange of a run of `config` on `data`: what its optimisers step (encoder, predictor, probe, decoder).
    init(ranks: Ranks, network: WorldNetwork, optimizers: Optimizers) {
        self.init(ranks: ranks, parameters: optimizers.all.flatMap(\.optimizer.parameters))
    }

    /// Why ranks stop together: any rank's time budget, or a signal any rank received.
    struct Votes { var time = false; var signal = false }

    /// Replaces this rank's gradients and `losses` by the average over the ranks; returns the votes of all.
    func exchange(losses: inout StepLosses, votes: Votes) throws -> Votes {
        var buffer = [Float](repeating: 0, count: count)
        var offset = 0
        for p in parameters {
            let n = p.tensor.count
            p.tensor.grad?.withUnsafeBufferPointer { g in buffer.withUnsafeMutableBufferPointer { b in
                (b.baseAddress! + offset).update(from: g.baseAddress!, count: n)
            } }
            offset += n
        }
        let terms = [losses.jepa, losses.prediction, losses.rollout, losses.regulariser, losses.inverseDynamics, losses.probe, losses.decoder]
        for (i, v) in terms.enumerated() { buffer[offset + i] = Float(v) }
        buffer[offset + Self.lossTerms] = votes.time ? 1 : 0
        buffer[offset + Self.lossTerms + 1] = votes.signal ? 1 : 0
        Profiler.enter("allreduce")
        try ranks.sum(&buffer, what: "the gradient allreduce")
        Profiler.endSpan("MPI_Allreduce gradients")
        Profiler.enter("optimiser")
        let scale = 1 / Float(ranks.count)
        offset = 0
        for p in parameters {
            let n = p.tensor.count
            if let grad = p.tensor.grad {
                grad.withUnsafeMutableBufferPointer { g in buffer.withUnsafeBufferPointer { b in
                    for i in 0..<n { g[i] = b[offset + i] * scale }
                } }
            } else if buffer[offset..<(offset + n)].contains(where: { $0 != 0 }) {
                throw RunError.ranks("parameter \(p.name) has a gradient on other ranks but none on rank \(ranks.rank); the ranks' graphs differ")
            }
            offset += n
        }
        let mean = (0..<Self.lossTerms).map { Double(buffer[offset + $0] * scale) }
        losses.jepa = mean[0]; losses.prediction = mean[1]; losses.rollout = mean[2]; losses.regulariser = mean[3]
        losses.inverseDynamics = mean[4]; losses.probe = mean[5]; losses.decoder = mean[6]
        Profiler.endSpan("average gradients")
        return Votes(time: buffer[offset + Self.lossTerms] > 0, signal: buffer[offset + Self.lossTerms + 1] > 0)
    }
}

/// Bytes of one step's gradient allreduce for `config` on `data` (`tumble bench`, the README's cost model).
public func gradientAllreduceBytes(config: TrainingConfig, data: DataDescription) throws -> Int {
    let network = try WorldNetwork(config: config, info: ModelInfo(data: data))
    return GradientExchange(ranks: .single, network: network, optimizers: Optimizers(network: network, config: config)).bytes
}
