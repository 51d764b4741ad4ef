import Tensor

/// The three optimisers of a run: AdamW on encoder + predictor (+ inverse dynamics), Adam on the probe and
/// on the decoder.
final class Optimizers {
    let main: AdamW
    let probe: AdamW
    let decoder: AdamW

    init(network: WorldNetwork, config: TrainingConfig) {
        // No weight decay on biases (as nanoGPT and most JEPA code).
        main = AdamW(network.online, learningRate: Float(config.lr), beta1: Float(config.beta1), beta2: Float(config.beta2),
                     weightDecay: Float(config.weightDecay), decays: { !$0.hasSuffix(".bias") })
        let heads = network.heads.parameters
        probe = AdamW(heads.filter { $0.name.hasPrefix("probe.") }, learningRate: Float(config.probeLR), weightDecay: 0)
        decoder = AdamW(heads.filter { $0.name.hasPrefix("decoder.") }, learningRate: Float(config.decoderLR), weightDecay: 0)
    }

    var all: [(prefix: String, optimizer: AdamW)] { [("optim.main", main), ("optim.probe", probe), ("optim.decoder", decoder)] }

    func stepAll() throws {
        try main.step(); Profiler.endSpan("AdamW main")
        try probe.step(); Profiler.endSpan("AdamW probe")
        try decoder.step(); Profiler.endSpan("AdamW decoder")
    }

    /// Global gradient norm of the main parameters, clipped to `maxNorm` (0: never); the norm before clipping.
    func clipMain(maxNorm: Double) -> Double { clipGradNorm(main.parameters, maxNorm: maxNorm) }
}

/// One optimiser step, the same for `tumble train` and for live learning: zero the gradients → losses and
/// backward → clip → guard (finite loss and gradient, loss within `train.max_loss`) → update.
/// A refused step changes no weight and leaves no gradient behind.
enum TrainingStep {
    struct Outcome {
        var losses: StepLosses
        /// Global gradient norm before clipping.
        var gradNorm: Double
        /// The online latents of the batch (detached), full steps only.
        var latents: Tensor?
        /// Why the step was not applied; nil when it was.
        var refusal: String?
        var applied: Bool { refusal == nil }
    }

    /// The full objective (`Objective.run`): encoder, predictor, heads; then the EMA target follows the
    /// encoder with the momentum of update number `momentumStep`. In a data-parallel run `batch` is this rank's
    /// share; `overlap` starts the heads' gradient sum during the backward and `exchange` averages the gradients and
    /// losses over the ranks before anything uses them.
    static func full(network: WorldNetwork, optimizers: Optimizers, batch: EpisodeBatch, learningRate: Double,
                     momentumStep: Int, rng: inout RNG, ranks: Ranks = .single, overlap: GradientExchange? = nil,
                     exchange: ((inout StepLosses) throws -> Void)? = nil) throws -> Outcome {
        Profiler.enter("forward")
        optimizers.main.learningRate = Float(learningRate)
        network.zeroGrad()
        var (losses, latents) = try Objective.run(network: network, batch: batch, rng: &rng, ranks: ranks, overlap: overlap)
        try exchange?(&losses)
        Profiler.enter("optimiser")
        let norm = optimizers.clipMain(maxNorm: network.config.gradClip)
        Profiler.endSpan("clip gradients")
        var outcome = Outcome(losses: losses, gradNorm: norm, latents: latents)
        outcome.refusal = refusal(losses, norm, network.config)
        if outcome.applied {
            try optimizers.stepAll()
            try network.updateTarget(momentum: network.config.emaMomentum(at: momentumStep))
            Profiler.endSpan("EMA target")
        } else {
            network.zeroGrad()
        }
        return outcome
    }

    /// The predictor alone on latents of a frozen encoder (`Objective.predictionLoss`, the latents being their
    /// own targets): live learning of a trained model, whose probe and decoder must keep reading the same latents.
    static func predictor(network: WorldNetwork, optimizer: AdamW, latents: Tensor, clips: Int, length: Int,
                          actions: [Float], learningRate: Double) throws -> Outcome {
        optimizer.learningRate = Float(learningRate)
        optimizer.zeroGrad()
        let terms = try Objective.predictionLoss(network: network, latents: latents, targets: latents, clips: clips, length: length,
                                                 actions: actions)
        try terms.total.backward()
        var losses = StepLosses()
        losses.prediction = terms.prediction
        losses.rollout = terms.rollout
        losses.jepa = terms.prediction + network.config.rolloutWeight * terms.rollout
        let norm = clipGradNorm(optimizer.parameters, maxNorm: network.config.gradClip)
        var outcome = Outcome(losses: losses, gradNorm: norm, latents: nil)
        outcome.refusal = refusal(losses, norm, network.config)
        if outcome.applied { try optimizer.step() }
        optimizer.zeroGrad()
        return outcome
    }

    /// Why a step must not be applied, or nil.
    private static func refusal(_ losses: StepLosses, _ norm: Double, _ config: TrainingConfig) -> String? {
        let checked = max(losses.jepa, losses.prediction + losses.rollout)
        if !losses.total.isFinite { return "loss is NaN or infinite" }
        if !norm.isFinite { return "gradient norm is not finite" }
        if checked > config.maxLoss { return "loss \(checked) exceeded train.max_loss \(config.maxLoss)" }
        return nil
    }
}
