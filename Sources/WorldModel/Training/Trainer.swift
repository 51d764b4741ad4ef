import Foundation
import Tensor

/// Where a run's clips come from.
public enum TrainingData: Sendable {
    /// A scene file or shipped scene name: fresh simulated episodes, nothing on disk.
    case scene(String)
    /// A dataset directory written by `tumble record`.
    case dataset(URL)
}

/// What `tumble train` asks for.
public struct TrainOptions: Sendable {
    public var data: TrainingData
    public var run: URL
    public var config: TrainingConfig
    /// Wall-clock budget for this invocation; the run checkpoints and stops when it is spent.
    public var minutes: Double?
    public var resume: Bool
    /// No progress output on stderr (the log file still gets every line).
    public var quiet: Bool
    public init(data: TrainingData, run: URL, config: TrainingConfig, minutes: Double? = nil, resume: Bool = false, quiet: Bool = false) {
        self.data = data; self.run = run; self.config = config; self.minutes = minutes; self.resume = resume; self.quiet = quiet
    }
}

/// How a run ended.
public struct TrainSummary: Sendable {
    public var step: Int
    public var lastCheckpoint: URL
    public var seconds: Double
    public var framesPerSecond: Double
    public var finalLoss: Double
    public var stoppedByTime: Bool
    /// SIGINT or SIGTERM when a signal stopped the run (checkpoint saved, as for --minutes).
    public var stoppedBySignal: Int32? = nil
}

/// The training loop: batches → losses → AdamW (+ Adam for the heads) → EMA → logs and checkpoints.
/// Everything a step depends on (parameters, moments, EMA, both generators, step) is in the checkpoint,
/// so a resumed run continues to the same bytes as an uninterrupted one.
public enum Trainer {
    public static func train(_ options: TrainOptions) throws -> TrainSummary {
        try train(options, source: nil)
    }

    /// `source` replaces the one `options.data` names (tests train on synthetic clips this way).
    static func train(_ options: TrainOptions, source given: ClipSource?) throws -> TrainSummary {
        let run = RunDirectory(options.run)
        // Everything that can be wrong is checked before any file is touched.
        var resumed: ModelCheckpoint.Contents? = nil
        let restart = options.resume && run.holdsRunWithoutCheckpoint  // nothing to resume: start it again
        if options.resume && !restart {
            try run.requireExistingRun()
            let stored = try TrainingConfig(contentsOf: run.config)
            let differences = options.config.differences(from: stored)
            if !differences.isEmpty { throw RunError.resumeMismatch(path: run.config.path, differences: differences) }
            resumed = try ModelCheckpoint.readContents(run.lastCheckpoint)
            let inCheckpoint = resumed!.config.differences(from: stored)
            if !inCheckpoint.isEmpty { throw RunError.resumeMismatch(path: run.lastCheckpoint.path, differences: inCheckpoint) }
        }
        if given == nil { try TrainingMemory.check(options.data, config: options.config) }
        let source = try given ?? DataSources.make(options.data, config: options.config)
        // The architecture must fit the data (e.g. decoder depth vs frame size) before anything is written.
        let d = source.description
        _ = try WorldNetwork(config: options.config, info: ModelInfo(
            height: d.height, width: d.width, channels: d.channels, bodies: d.bodies, actionSize: d.actionSize,
            sceneSHA256: d.sceneSHA256, sceneName: d.sceneName, stateMean: [0, 0, 0, 0], stateStd: [1, 1, 1, 1], observationHz: d.observationHz))
        let lock = try RunLock(run.url)
        defer { withExtendedLifetime(lock) {} }
        if !options.resume || restart { try run.prepareFresh(); try RunRecord(options.data).write(to: run.record) }
        return try train(options: options, run: run, source: source, resumed: resumed)
    }

    static func train(options: TrainOptions, run: RunDirectory, source: ClipSource, resumed: ModelCheckpoint.Contents?) throws -> TrainSummary {
        let config = options.config
        let desc = source.description
        var dataRNG = SplitMix64(seed: SplitMix64.derive(config.seed, 0xDA7A))
        var tensorRNG = RNG(seed: SplitMix64.derive(config.seed, 0x7E45))
        var step = 0
        var pending: ClipBatch? = nil
        let info: ModelInfo
        if let resumed {
            info = resumed.info
            guard info.height == desc.height, info.width == desc.width, info.channels == desc.channels,
                  info.bodies == desc.bodies, info.actionSize == desc.actionSize else {
                throw RunError.data(source: desc.sceneName, message: "the data (\(desc.height)×\(desc.width)×\(desc.channels), \(desc.bodies) bodies, \(desc.actionSize) actions) is not what the run was trained on (\(info.height)×\(info.width)×\(info.channels), \(info.bodies) bodies, \(info.actionSize) actions)")
            }
            step = resumed.step
            dataRNG = SplitMix64(seed: 0); dataRNG.state = resumed.dataRNG
            tensorRNG = resumed.tensorRNG
        } else {
            // The first batch also sets the probe's target normalisation.
            let first = try source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: 0, rng: &dataRNG)
            let stats = Objective.stateStatistics(first, bodies: desc.bodies)
            info = ModelInfo(height: desc.height, width: desc.width, channels: desc.channels, bodies: desc.bodies,
                             actionSize: desc.actionSize, sceneSHA256: desc.sceneSHA256, sceneName: desc.sceneName,
                             stateMean: stats.mean, stateStd: stats.std, observationHz: desc.observationHz)
            pending = first
        }
        let network = try WorldNetwork(config: config, info: info)
        let optimizers = Optimizers(network: network, config: config)
        if let resumed { try resumed.restore(into: network, optimizers: optimizers) }

        // Files: resolved config first (a fresh run), metrics and log.
        try run.ensureWritable()
        if resumed == nil { try AtomicFile.write(config.yaml, to: run.config) }
        let metrics = try MetricsLog(url: run.metrics, resumeAt: resumed == nil ? nil : step)
        let progress = ProgressReporter(logURL: run.log, quiet: options.quiet)
        let total = config.steps
        progress.log("\(resumed == nil ? "training" : "resuming at step \(step)") \(desc.sceneName) \(desc.height)×\(desc.width)×\(desc.channels), \(desc.bodies) bodies; \(config.latentKind.rawValue) latent D=\(network.latentDimension), target \(config.target.rawValue), \(network.online.scalarCount) trainable + \(network.heads.scalarCount) head parameters; \(total) steps of \(config.batchClips)×\(config.clipLength) frames")

        let start = Date()
        let deadline = options.minutes.map { start.addingTimeInterval($0 * 60) }
        let framesPerStep = Double(config.batchClips * config.clipLength)
        var lastLoss = Double.nan
        var lastCheckpoint = run.lastCheckpoint
        var stoppedByTime = false
        let startStep = step
        var windowStart = Date(), windowSteps = 0

        func save(final: Bool = false) throws {
            var batchesSeen = step
            if final {
                let fit = try ReadoutFit.run(network: network, source: source, config: config, firstBatch: step, dataRNG: dataRNG)
                batchesSeen += fit.batches
                if fit.batches > 0 {
                    progress.log(String(format: "read-out fitted on %d fresh frames: held-out R² position %.3f, velocity %.3f",
                                        fit.batches * Int(framesPerStep), fit.positionR2, fit.velocityR2))
                }
            } else {
                try network.copyProbeToReadout()
            }
            let seeds = source.seedsUsed(afterBatches: batchesSeen, clips: config.batchClips)
            let contents = ModelCheckpoint.Contents(config: config, info: info, step: step, seeds: seeds, dataRNG: dataRNG.state, tensorRNG: tensorRNG)
            let data = try ModelCheckpoint.encode(contents, network: network, optimizers: optimizers)
            try AtomicFile.write(data, to: run.checkpoint(step: step))
            try AtomicFile.write(data, to: run.lastCheckpoint)
            lastCheckpoint = run.checkpoint(step: step)
        }

        if ProcessInfo.processInfo.environment["TUMBLE_PROFILE"] != nil { Profiler.reset(); Profiler.enabled = true }
        while step < total {
            let batch = try pending ?? source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: step, rng: &dataRNG)
            pending = nil
            let lr = Float(config.learningRate(at: step))
            optimizers.main.learningRate = lr
            network.online.zeroGrad(); network.heads.zeroGrad()
            let (losses, latents) = try Objective.run(network: network, batch: batch, rng: &tensorRNG)
            let gradNorm = optimizers.clipMain(maxNorm: config.gradClip)
            guard losses.total.isFinite, gradNorm.isFinite, max(losses.jepa, losses.prediction + losses.rollout) <= config.maxLoss else {
                let what = losses.total.isFinite ? (gradNorm.isFinite ? "loss \(max(losses.jepa, losses.prediction + losses.rollout)) exceeded train.max_loss \(config.maxLoss)" : "gradient norm is not finite") : "loss is NaN or infinite"
                let kept = FileManager.default.fileExists(atPath: run.lastCheckpoint.path)
                    ? "the last good checkpoint is kept at \(run.lastCheckpoint.path)" : "no checkpoint had been written yet"
                progress.log("stopped: \(what) at step \(step + 1) (prediction \(losses.prediction), rollout \(losses.rollout), regulariser \(losses.regulariser)); \(kept)")
                throw RunError.divergence(step: step + 1, message: "\(what) (prediction \(losses.prediction), rollout \(losses.rollout), regulariser \(losses.regulariser)); \(kept). Try a lower optim.lr or a tighter optim.grad_clip.")
            }
            try optimizers.stepAll()
            if config.target == .ema { network.updateTarget(momentum: Float(config.emaMomentum(at: step))) }
            step += 1
            windowSteps += 1
            lastLoss = losses.jepa

            let elapsed = Date().timeIntervalSince(start)
            let rate = Double(step - startStep) * framesPerStep / max(elapsed, 1e-9)
            if step % config.logEvery == 0 || step == total {
                let stats = latents.withUnsafeBufferPointer {
                    CollapseMonitor.measure($0, batch: latents.shape[0], channels: network.isSpatial ? network.mapChannels : network.latentDimension,
                                            positions: network.isSpatial ? network.mapHeight * network.mapWidth : 1, channelsLast: true)
                }
                let windowRate = Double(windowSteps) * framesPerStep / max(Date().timeIntervalSince(windowStart), 1e-9)
                windowStart = Date(); windowSteps = 0
                try metrics.append([
                    "step": Double(step), "lr": Double(lr), "loss": losses.jepa, "loss_pred": losses.prediction,
                    "loss_rollout": losses.rollout, "loss_reg": losses.regulariser, "loss_idm": losses.inverseDynamics,
                    "loss_probe": losses.probe, "loss_decoder": losses.decoder,
                    "latent_std_mean": stats.stdMean, "latent_std_min": stats.stdMin, "dead_fraction": stats.deadFraction,
                    "effective_rank": stats.effectiveRank, "ema_momentum": config.target == .ema ? config.emaMomentum(at: step - 1) : .nan,
                    "grad_norm": gradNorm, "frames_per_s": windowRate, "elapsed_s": elapsed,
                ])
                progress.log(String(format: "step %d/%d  loss %.5f (pred %.5f roll %.5f reg %.4f)  probe %.4f  dec %.5f  std %.3g (min %.3g)  rank %.1f  %.0f frames/s",
                                    step, total, losses.jepa, losses.prediction, losses.rollout, losses.regulariser, losses.probe, losses.decoder,
                                    stats.stdMean, stats.stdMin, stats.effectiveRank, windowRate))
            }
            let eta = Double(total - step) * framesPerStep / max(rate, 1e-9)
            progress.bar(step: step, total: total, loss: losses.jepa, framesPerSecond: rate, eta: eta)
            if let deadline, Date() >= deadline, step < total {
                stoppedByTime = true
                break
            }
            if StopRequest.shared.signal != nil, step < total { break }
            if step % config.checkpointEvery == 0 && step < total { try save() }
        }
        if Profiler.enabled {
            // TUMBLE_PROFILE=1: where a training step's time goes, per op (stderr).
            Profiler.enabled = false
            let steps = max(step - startStep, 1)
            var text = "profile over \(steps) steps:\n   wall/step   CPU/step  calls/step  phase\n"
            for r in Profiler.report() {
                text += String(format: "  %8.2f ms  %8.2f ms  %6d  %@\n", r.seconds / Double(steps) * 1000,
                               r.cpuSeconds / Double(steps) * 1000, r.calls / steps, r.label)
            }
            FileHandle.standardError.write(text.data(using: .utf8)!)
        }
        if step > startStep || resumed == nil { try save(final: true) }
        let seconds = Date().timeIntervalSince(start)
        let fps = Double(step - startStep) * framesPerStep / max(seconds, 1e-9)
        let signal = step < total ? StopRequest.shared.signal : nil
        if let signal { progress.log("stopped by \(StopRequest.name(signal)) at step \(step) of \(total); checkpoint \(lastCheckpoint.lastPathComponent) (continue with --resume)") }
        else { progress.log(stoppedByTime
            ? "time budget spent at step \(step) of \(total); checkpoint \(lastCheckpoint.lastPathComponent) (continue with --resume)"
            : "done: step \(step), \(String(format: "%.0f", seconds)) s, \(String(format: "%.0f", fps)) frames/s, checkpoint \(lastCheckpoint.lastPathComponent)") }
        return TrainSummary(step: step, lastCheckpoint: lastCheckpoint, seconds: seconds, framesPerSecond: fps, finalLoss: lastLoss,
                            stoppedByTime: stoppedByTime, stoppedBySignal: signal)
    }
}

/// The three optimisers of a run: AdamW on encoder + predictor, Adam on the probe and on the decoder.
final class Optimizers {
    let main: AdamW
    let probe: AdamW
    let decoder: AdamW

    init(network: WorldNetwork, config: TrainingConfig) {
        let params = network.online.named.map { (name: $0.0, tensor: $0.1) }
        // No weight decay on biases (as nanoGPT and most JEPA code).
        main = AdamW(params, learningRate: Float(config.lr), beta1: Float(config.beta1), beta2: Float(config.beta2),
                     weightDecay: Float(config.weightDecay), decays: { !$0.hasSuffix(".bias") })
        let heads = network.heads.named.map { (name: $0.0, tensor: $0.1) }
        probe = AdamW(heads.filter { $0.name.hasPrefix("probe.") }, learningRate: Float(config.probeLR), weightDecay: 0)
        decoder = AdamW(heads.filter { $0.name.hasPrefix("decoder.") }, learningRate: Float(config.decoderLR), weightDecay: 0)
    }

    var all: [(prefix: String, optimizer: AdamW)] { [("optim.main", main), ("optim.probe", probe), ("optim.decoder", decoder)] }

    func stepAll() throws { try main.step(); try probe.step(); try decoder.step() }

    /// Global gradient norm of the main parameters; scales the gradients down to `maxNorm` when above
    /// (0: no clipping). Returns the norm before clipping.
    func clipMain(maxNorm: Double) -> Double {
        var sum = 0.0
        for p in main.parameters { p.tensor.grad?.withUnsafeBufferPointer { g in var s: Float = 0; for v in g { s += v * v }; sum += Double(s) } }
        let norm = sum.squareRoot()
        if maxNorm > 0, norm > maxNorm, norm.isFinite {
            let scale = Float(maxNorm / norm)
            for p in main.parameters { p.tensor.grad?.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= scale } } }
        }
        return norm
    }
}
