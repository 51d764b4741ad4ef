import Foundation
import Tensor

/// One data-parallel step's exchange, in two fused buckets (as PyTorch's DDP buckets gradients), averaged over the
/// ranks: after it every rank holds the same gradients and losses, so each takes the same clipping, guard and
/// optimiser step and the parameters never drift apart.
///
/// - heads (probe and decoder): their losses read detached latents, so their gradients are final before the main
///   backward starts; their sum starts then (`startHeads`) and moves on while the main backward runs;
/// - main (encoder, predictor), the loss terms and the ranks' stop votes: one allreduce after the backward (`finish`).
///
/// Each element is summed over the same K ranks as in one fused buffer: with K = 2 the bytes are the same.
final class GradientExchange {
    let ranks: Ranks
    /// Parameters of each bucket in a fixed order (the same on every rank: the architecture's).
    let heads: [(name: String, tensor: Tensor)], main: [(name: String, tensor: Tensor)]
    /// Floats of each bucket: the heads' parameters; the main parameters, the seven loss terms and two votes.
    let headsCount: Int, mainCount: Int

    static let lossTerms = 7

    private let headsBuffer: UnsafeMutablePointer<Float>
    private var mainBuffer: [Float]
    private var pending: Ranks.PendingSum?
    private var started = false
    /// Steps whose heads' sum completed before the main backward ended, of all steps: whether the overlap happened.
    private(set) var overlapped = 0, steps = 0

    init(ranks: Ranks, heads: [(name: String, tensor: Tensor)], main: [(name: String, tensor: Tensor)]) {
        self.ranks = ranks
        self.heads = heads
        self.main = main
        headsCount = heads.reduce(0) { $0 + $1.tensor.count }
        mainCount = main.reduce(0) { $0 + $1.tensor.count } + Self.lossTerms + 2
        headsBuffer = .allocate(capacity: max(headsCount, 1))
        mainBuffer = [Float](repeating: 0, count: mainCount)
    }

    deinit { headsBuffer.deallocate() }

    /// The exchange of a run: what its optimisers step (encoder, predictor, probe, decoder).
    convenience init(ranks: Ranks, network: WorldNetwork, optimizers: Optimizers) {
        self.init(ranks: ranks, heads: optimizers.probe.parameters + optimizers.decoder.parameters, main: optimizers.main.parameters)
    }

    /// Bytes each rank contributes to a step's two allreduces.
    var bytes: Int { (headsCount + mainCount) * MemoryLayout<Float>.size }

    /// Why ranks stop together: any rank's time budget, or a signal any rank received.
    struct Votes { var time = false; var signal = false }

    /// The heads' gradients are final: copies them out and starts their sum.
    func startHeads() throws {
        Profiler.enter("allreduce")
        pack(heads, into: headsBuffer)
        pending = try ranks.startSum(headsBuffer, count: headsCount, what: "the heads' gradient allreduce")
        started = true
        Profiler.endSpan("MPI_Iallreduce heads")
    }

    /// The step failed between `startHeads` and `finish`: the heads' sum is left unfinished, and its progress
    /// thread stops, so no MPI call races whatever the failing rank does next.
    func abandon() {
        pending?.stopPolling()
        pending = nil; started = false
    }

    /// Replaces this rank's gradients and `losses` by the average over the ranks; returns the votes of all.
    func finish(losses: inout StepLosses, votes: Votes) throws -> Votes {
        if !started { try startHeads() }
        Profiler.enter("allreduce")
        steps += 1
        if try pending?.wait() == true { overlapped += 1 }
        pending = nil; started = false
        Profiler.endSpan("MPI_Wait heads")
        mainBuffer.withUnsafeMutableBufferPointer { pack(main, into: $0.baseAddress!) }
        let offset = mainCount - Self.lossTerms - 2
        let terms = [losses.jepa, losses.prediction, losses.rollout, losses.regulariser, losses.inverseDynamics, losses.probe, losses.decoder]
        for (i, v) in terms.enumerated() { mainBuffer[offset + i] = Float(v) }
        mainBuffer[offset + Self.lossTerms] = votes.time ? 1 : 0
        mainBuffer[offset + Self.lossTerms + 1] = votes.signal ? 1 : 0
        try ranks.sum(&mainBuffer, what: "the gradient allreduce")
        Profiler.endSpan("MPI_Allreduce gradients")
        Profiler.enter("optimiser")
        let scale = 1 / Float(ranks.count)
        try unpack(heads, from: headsBuffer, scale: scale)
        try mainBuffer.withUnsafeMutableBufferPointer { try unpack(main, from: $0.baseAddress!, scale: scale) }
        let mean = (0..<Self.lossTerms).map { Double(mainBuffer[offset + $0] * scale) }
        losses.jepa = mean[0]; losses.prediction = mean[1]; losses.rollout = mean[2]; losses.regulariser = mean[3]
        losses.inverseDynamics = mean[4]; losses.probe = mean[5]; losses.decoder = mean[6]
        Profiler.endSpan("average gradients")
        return Votes(time: mainBuffer[offset + Self.lossTerms] > 0, signal: mainBuffer[offset + Self.lossTerms + 1] > 0)
    }

    /// Every parameter's gradient (zeros where it has none) into `buffer`, in order.
    private func pack(_ parameters: [(name: String, tensor: Tensor)], into buffer: UnsafeMutablePointer<Float>) {
        var offset = 0
        for p in parameters {
            let n = p.tensor.count
            if let grad = p.tensor.grad {
                grad.withUnsafeBufferPointer { (buffer + offset).update(from: $0.baseAddress!, count: n) }
            } else {
                (buffer + offset).update(repeating: 0, count: n)
            }
            offset += n
        }
    }

    /// The summed gradients × `scale` back into every parameter's gradient.
    private func unpack(_ parameters: [(name: String, tensor: Tensor)], from buffer: UnsafeMutablePointer<Float>, scale: Float) throws {
        var offset = 0
        for p in parameters {
            let n = p.tensor.count
            if let grad = p.tensor.grad {
                grad.withUnsafeMutableBufferPointer { g in for i in 0..<n { g[i] = buffer[offset + i] * scale } }
            } else if UnsafeBufferPointer(start: buffer + offset, count: n).contains(where: { $0 != 0 }) {
                throw RunError.ranks("parameter \(p.name) has a gradient on other ranks but none on rank \(ranks.rank); the ranks' graphs differ")
            }
            offset += n
        }
    }
}

/// Bytes and seconds of one step's exchange for `config` on `data` between `ranks` (`tumble bench`): the code a
/// data-parallel step runs, the heads' sum started and then the main allreduce, with no backward in between to
/// hide the first, so the whole transfer is timed. Mean over `rounds` after a warm-up.
public func timeGradientExchange(config: TrainingConfig, data: DataDescription, ranks: Ranks, rounds: Int) throws
    -> (bytes: Int, headsBytes: Int, seconds: Double) {
    let network = try WorldNetwork(config: config, info: ModelInfo(data: data))
    let exchange = GradientExchange(ranks: ranks, network: network, optimizers: Optimizers(network: network, config: config))
    var losses = StepLosses()
    for _ in 0..<10 { _ = try exchange.finish(losses: &losses, votes: .init()) }
    try ranks.barrier("the exchange bench")
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds {
        try exchange.startHeads()
        _ = try exchange.finish(losses: &losses, votes: .init())
    }
    return (exchange.bytes, exchange.headsCount * MemoryLayout<Float>.size, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(rounds))
}
