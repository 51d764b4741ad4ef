import Common
import Foundation
import Tensor

/// One invocation of `tumble train` in its parts: `init` (fresh or resumed state), `advance`, `log`,
/// `checkpoint`, and `finish` (read-out refit, last checkpoint, profile). `Trainer.train` drives them.
/// Everything a step depends on (parameters, moments, EMA, both generators, step) is in the checkpoint, so a
/// resumed run continues to the same bytes as an uninterrupted one.
///
/// Data-parallel (`options.ranks`): every rank draws the same global batch and computes clips `slots` of it;
/// one `GradientExchange` a step averages gradients and losses, so every rank takes the same optimiser step.
/// Rank 0 alone writes the log, metrics and checkpoints.
final class TrainingSession {
    let options: TrainOptions
    let run: RunDirectory
    let source: ClipSampler
    let network: WorldNetwork
    let optimizers: Optimizers
    let info: ModelInfo
    private(set) var step: Int
    private var dataRNG: SplitMix64
    private var tensorRNG: RNG
    /// A fresh run's first batch: drawn to set the probe's normalisation, trained on first.
    private var pending: EpisodeBatch?
    private let resumed: Bool
    let startStep: Int
    private let metrics: MetricsLog?
    let ranks: Ranks
    /// This rank's clips of each global batch.
    let slots: Range<Int>
    private let exchange: GradientExchange?
    /// Every rank's stop votes after the last step (data-parallel runs stop together).
    private(set) var votes = GradientExchange.Votes()
    var localVotes: () -> GradientExchange.Votes = { GradientExchange.Votes() }
    let progress: ProgressReporter
    private(set) var lastCheckpoint: URL
    private let started = Date()
    private var windowStart = Date(), windowSteps = 0
    var config: TrainingConfig { options.config }
    var framesPerStep: Double { Double(config.batchClips * config.clipLength) }

    init(options: TrainOptions, run: RunDirectory, source: ClipSampler, resumed: ModelCheckpoint.Contents?) throws {
        self.options = options; self.run = run; self.source = source
        let config = options.config, desc = source.description
        ranks = options.ranks
        let share = config.batchClips / ranks.count
        slots = (ranks.rank * share)..<((ranks.rank + 1) * share)
        dataRNG = SplitMix64(seed: SplitMix64.derive(config.seed, 0xDA7A))
        tensorRNG = RNG(seed: SplitMix64.derive(config.seed, 0x7E45))
        step = 0
        var first: EpisodeBatch? = nil, colours: EpisodeBatch? = nil
        var splitColours: [String] = []
        if let resumed {
            info = resumed.info
            guard info.height == desc.height, info.width == desc.width, info.channels == desc.channels,
                  info.bodies == desc.bodies, info.actionDimension == desc.actionDimension else {
                throw RunError.data(source: desc.sceneName, message: "the data (\(desc.height)×\(desc.width)×\(desc.channels), \(desc.bodies) bodies, \(desc.actionDimension) actions) is not what the run was trained on (\(info.height)×\(info.width)×\(info.channels), \(info.bodies) bodies, \(info.actionDimension) actions)")
            }
            step = resumed.step
            dataRNG = SplitMix64(seed: 0); dataRNG.state = resumed.dataRNG
            tensorRNG = resumed.tensorRNG
        } else {
            // The first batch also sets the probe's target normalisation and the colour start (every rank reads all
            // of it, so all agree).
            let batch = try source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: 0, rng: &dataRNG)
            let stats = Objective.stateStatistics(batch, bodies: desc.bodies)
            let sample = try Self.colourSample(first: batch, source: source, config: config, rng: dataRNG)
            let split = ColourSeparation.instanceMasks(config: config, batch: sample)
            var seen: [Int] = []
            if config.novelColours > 0 {
                // The colour start's batches serve when they are at least as many.
                let colours = config.encoderColourInitBatches >= NovelColours.sampleBatches ? sample
                    : try Self.colourSample(first: batch, source: source, config: config, rng: dataRNG, batches: NovelColours.sampleBatches)
                seen = NovelColours.cells(of: colours.frames, channels: desc.channels)
            }
            info = ModelInfo(data: desc, stateMean: stats.mean, stateStd: stats.std, instanceMasks: split.map(\.mask),
                             instanceSpreads: split.map(\.spread), seenColours: seen)
            splitColours = split.map {
                "\($0.mask) (RGB \($0.colour.map(String.init).joined(separator: " ")), one body spreading up to \(String(format: "%.2f", $0.spread)) px²)"
            }
            pending = ranks.isParallel ? batch.clips(slots) : batch
            first = batch
            colours = sample
        }
        network = try WorldNetwork(config: config, info: info)
        if let colours, config.encoderColourInit { try ColourSeparation.run(network: network, batch: colours) }
        if let first, config.actionToActorMap { try ActionMapChoice.run(network: network, batch: first) }
        optimizers = Optimizers(network: network, config: config)
        if let resumed { try resumed.restore(into: network, optimizers: optimizers) }
        exchange = ranks.isParallel ? GradientExchange(ranks: ranks, network: network, optimizers: optimizers) : nil
        self.resumed = resumed != nil
        startStep = step
        lastCheckpoint = run.lastCheckpoint

        // Files (rank 0 only): resolved config first (a fresh run), metrics and log.
        if ranks.isLeader {
            try run.ensureWritable()
            if resumed == nil { try AtomicFile.write(config.yaml, to: run.config) }
            metrics = try MetricsLog(url: run.metrics, resumeAt: resumed == nil ? nil : step)
            progress = ProgressReporter(logURL: run.log, quiet: options.quiet)
        } else {
            metrics = nil
            progress = ProgressReporter(logURL: nil, quiet: true)
        }
        let trainable = network.online.reduce(0) { $0 + $1.tensor.count }, heads = network.heads.parameters.reduce(0) { $0 + $1.tensor.count }
        func counted(_ n: Int) -> String { "\(n) rank\(n == 1 ? "" : "s")" }
        if ranks.usesMPI {
            progress.log("data-parallel: \(counted(ranks.count)) (\(ranks.local) on this machine), \(share) of \(config.batchClips) clips each, \(exchange.map { "\($0.bytes) bytes (heads \($0.headsCount * 4), started before the main backward)" } ?? "no") allreduced a step")
        }
        if !splitColours.isEmpty {
            progress.log("masks \(splitColours.joined(separator: ", ")) show several bodies of one colour in the first batch\(config.encoderColourInitBatches > 1 ? "es" : ""): each cut into \(config.encoderInstances) maps, one per body in order of x")
        }
        if let resumed, resumed.ranks != ranks.count {
            progress.log("the checkpoint was written by \(counted(resumed.ranks)), this run has \(counted(ranks.count)): the same batches continue, their sums in another order (not byte-identical to continuing on \(counted(resumed.ranks)))")
        }
        progress.log("\(resumed == nil ? "training" : "resuming at step \(step)") \(desc.sceneName) \(desc.height)×\(desc.width)×\(desc.channels), \(desc.bodies) bodies; \(config.latentKind.rawValue) latent D=\(network.latentDimension), target \(config.target.rawValue), \(trainable) trainable + \(heads) head parameters; \(config.steps) steps of \(config.batchClips)×\(config.clipLength) frames")
    }

    /// The batches `model.encoder.colour_init` counts colours over: the first, then the next ones this run trains
    /// on, drawn here with a copy of the generator so that training draws the same batches unchanged.
    /// `batches` overrides how many (`objective.novel_colours` counts its colours over more).
    static func colourSample(first: EpisodeBatch, source: ClipSampler, config: TrainingConfig, rng: SplitMix64,
                             batches: Int? = nil) throws -> EpisodeBatch {
        let count = batches ?? config.encoderColourInitBatches
        guard count > 1 else { return first }
        var rng = rng
        let more = try (1..<count).map {
            try source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: $0, rng: &rng)
        }
        return EpisodeBatch(joining: [first] + more)
    }

    /// Takes the next step; a refused step (divergence) ends the run with the last good checkpoint kept.
    func advance() throws -> TrainingStep.Outcome {
        Profiler.enter("data")
        let batch = try pending ?? source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: step, rng: &dataRNG,
                                                slots: ranks.isParallel ? slots : nil)
        pending = nil
        Profiler.endSpan("next batch")
        let exchangeStep: ((inout StepLosses) throws -> Void)? = exchange.map { exchange in
            { [self] losses in votes = try exchange.finish(losses: &losses, votes: localVotes()) }
        }
        let outcome = try TrainingStep.full(network: network, optimizers: optimizers, batch: batch,
                                            learningRate: config.learningRate(at: step), momentumStep: step, rng: &tensorRNG,
                                            ranks: ranks, overlap: exchange, exchange: exchangeStep)
        if let refusal = outcome.refusal {
            let l = outcome.losses
            let kept = FileManager.default.fileExists(atPath: run.lastCheckpoint.path)
                ? "the last good checkpoint is kept at \(run.lastCheckpoint.path)" : "no checkpoint had been written yet"
            progress.log("stopped: \(refusal) at step \(step + 1) (prediction \(l.prediction), rollout \(l.rollout), regulariser \(l.regulariser)); \(kept)")
            throw RunError.divergence(step: step + 1, message: "\(refusal) (prediction \(l.prediction), rollout \(l.rollout), regulariser \(l.regulariser)); \(kept). Try a lower optim.lr or a tighter optim.grad_clip.")
        }
        step += 1
        windowSteps += 1
        return outcome
    }

    /// Frames per second since this invocation started.
    var rate: Double { Double(step - startStep) * framesPerStep / max(Date().timeIntervalSince(started), 1e-9) }
    var elapsed: Double { Date().timeIntervalSince(started) }

    /// One metrics row and one log line (every `train.log_every` steps and at the end).
    func log(_ outcome: TrainingStep.Outcome) throws {
        guard let metrics else { return }
        let losses = outcome.losses, latents = outcome.latents!
        let stats = latents.withUnsafeBufferPointer {
            CollapseMonitor.measure($0, batch: latents.shape[0], channels: network.isSpatial ? network.mapChannels : network.latentDimension,
                                    positions: network.isSpatial ? network.mapHeight * network.mapWidth : 1, channelsLast: true)
        }
        let windowRate = Double(windowSteps) * framesPerStep / max(Date().timeIntervalSince(windowStart), 1e-9)
        windowStart = Date(); windowSteps = 0
        try metrics.append([
            "step": Double(step), "lr": Double(Float(config.learningRate(at: step - 1))), "loss": losses.jepa, "loss_pred": losses.prediction,
            "loss_rollout": losses.rollout, "loss_reg": losses.regulariser, "loss_idm": losses.inverseDynamics,
            "loss_probe": losses.probe, "loss_decoder": losses.decoder,
            "latent_std_mean": stats.stdMean, "latent_std_min": stats.stdMin, "dead_fraction": stats.deadFraction,
            "effective_rank": stats.effectiveRank, "ema_momentum": config.target == .ema ? config.emaMomentum(at: step - 1) : .nan,
            "grad_norm": outcome.gradNorm, "frames_per_s": windowRate, "elapsed_s": elapsed,
        ])
        progress.log(String(format: "step %d/%d  loss %.5f (pred %.5f roll %.5f reg %.4f)  probe %.4f  dec %.5f  std %.3g (min %.3g)  rank %.1f  %.0f frames/s",
                            step, config.steps, losses.jepa, losses.prediction, losses.rollout, losses.regulariser, losses.probe, losses.decoder,
                            stats.stdMean, stats.stdMin, stats.effectiveRank, windowRate)
                     + (exchange.map { "  heads' allreduce done within the backward in \($0.overlapped)/\($0.steps) steps" } ?? ""))
    }

    /// Writes `step-N.safetensors` and `last.safetensors`. The final one first refits the read-out on fresh
    /// clips; periodic ones copy the training probe into it.
    func checkpoint(final: Bool) throws {
        guard ranks.isLeader else { return }
        var batchesSeen = step
        if final {
            let fit = try ReadoutFit.run(network: network, source: source, config: config, firstBatch: step, dataRNG: dataRNG)
            batchesSeen += fit.batches
            if fit.batches > 0 {
                progress.log(String(format: "read-out fitted on %d fresh frames: held-out R² position %.3f, velocity %.3f",
                                    fit.batches * Int(framesPerStep), fit.positionR2, fit.velocityR2)
                             + (fit.angleR2.isNaN ? "" : String(format: ", angle %.3f", fit.angleR2)))
            }
        } else {
            try network.copyProbeToReadout()
        }
        let seeds = source.seedsUsed(afterBatches: batchesSeen, clips: config.batchClips)
        let contents = ModelCheckpoint.Contents(config: config, info: info, step: step, seeds: seeds, dataRNG: dataRNG.state, tensorRNG: tensorRNG,
                                                ranks: ranks.count)
        let data = try ModelCheckpoint.encode(contents, network: network, optimizers: optimizers)
        try AtomicFile.write(data, to: run.checkpoint(step: step))
        try AtomicFile.write(data, to: run.lastCheckpoint)
        lastCheckpoint = run.checkpoint(step: step)
    }

    /// Whether this invocation has anything to save at its end (a resumed run that took no step has not).
    var needsFinalCheckpoint: Bool { step > startStep || !resumed }
}
