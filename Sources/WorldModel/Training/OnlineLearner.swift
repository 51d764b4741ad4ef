import Common
import Foundation
import Tensor

/// Trains a world model on the frames a live stream is showing while another thread keeps using the
/// latest weights: the sandbox window's live learning.
///
/// - `observe` (any thread) hands the frame shown, its true states and the action that led to it to an
///   inbox; `step` moves them into a bounded buffer of recent frames (`Options.bufferFrames`).
/// - `step` (one call at a time; typically one background thread) draws a batch of clips from the buffer,
///   takes one optimiser step on the learner's private copy of the weights, and publishes a new snapshot.
/// - `model` is the latest snapshot. A published `TrainedModel` is never written again, so a reader that
///   holds one sees one consistent set of weights for as long as it keeps it, without locks or waiting.
///
/// The window's thread must never wait on a low-priority learner that was preempted while holding a lock
/// (priority inversion): every lock it shares with `step` (the inbox, the published snapshot) is held for
/// a constant-time swap only; the buffer and the weights belong to the stepping thread alone.
///
/// Two modes:
/// - predictor (a trained model, the default): the encoder stays frozen, because the probe and the decoder
///   read its latents. Each frame is encoded once (cached beside it) and the predictor learns the training
///   run's teacher-forced + rollout latent loss (`Objective.predictionLoss`) with AdamW. The targets are the
///   frozen encoder's latents, which is also what the surprise meter compares predictions with.
/// - full (from scratch, or `Options.trainEncoder`): each step is a training step, `Objective.run` on the
///   batch: encoder and predictor under the config's objective (with its collapse regulariser), the probe
///   and decoder on detached latents. The probe needs true states, so only frames observed with states count.
///
/// Deterministic: the same observations, interleaved the same way with the same number of `step` calls, from
/// the same seed give the same weights, bit for bit.
public final class OnlineLearner: @unchecked Sendable {
    public struct Options: Sendable {
        /// Recent frames kept, oldest dropped first (1024 frames ≈ 68 s of a 15 Hz stream).
        public var bufferFrames = 1024
        /// Clips per step (nil: the config's data.batch_clips, at most 8, so a step stays short).
        public var batchClips: Int? = nil
        /// Frames per clip (nil: the config's data.clip_length).
        public var clipLength: Int? = nil
        /// AdamW learning rate (nil: from scratch, the config's warm-up + cosine schedule; fine-tuning a
        /// trained model, a constant 0.1 × optim.lr: Adam moves every weight by about the learning rate from
        /// its first step, which at the training rate would undo part of what the model knows).
        public var learningRate: Double? = nil
        /// Also train a trained model's encoder (with probe and decoder) under the full objective.
        public var trainEncoder = false
        /// Seeds clip sampling and the objective's random draws (SIGReg directions).
        public var seed: UInt64 = 0
        public init() {}
    }

    /// One step's outcome.
    public struct StepResult: Sendable {
        /// What was minimised: prediction + rollout_weight · rollout (predictor mode), or the full JEPA
        /// loss including the regulariser (full mode).
        public var loss: Double
        /// Teacher-forced latent prediction loss.
        public var prediction: Double
        /// Rollout loss (mean over steps 2…k).
        public var rollout: Double
        /// False when the loss or the gradient was not finite (or above train.max_loss): nothing was changed.
        public var applied: Bool

        init(_ outcome: TrainingStep.Outcome) {
            loss = outcome.losses.jepa; prediction = outcome.losses.prediction; rollout = outcome.losses.rollout
            applied = outcome.applied
        }
    }

    /// The configuration of the model being trained.
    public let config: TrainingConfig
    /// Whether the encoder trains (full mode) or stays frozen (predictor mode).
    public let trainsEncoder: Bool
    /// Frames per clip and clips per step.
    public let clipLength: Int, batchClips: Int

    private let options: Options
    private let fromScratch: Bool
    private let checkpointSHA256: String
    private let trainingSeeds: TrainingSeeds
    private let baseStep: Int

    /// Observations not yet in the buffer (oldest first, at most `bufferFrames` frames), guarded by `inboxLock`.
    private enum Arrival { case frame([UInt8], states: [Float]?, actionBefore: [Float]?), sequenceBreak }
    private let inboxLock = NSLock()
    private var inbox: [Arrival] = []
    private var inboxFrames = 0
    private var inboxDropped = false
    private var bufferCount = 0
    private let frameBytes: Int, actionDimension: Int, stateSize: Int

    /// Recent frames, owned by the stepping thread.
    private(set) var buffer: RecentFrames

    // Training state, touched only inside `step` (serialised by `stepLock`).
    private let stepLock = NSLock()
    private var network: WorldNetwork
    private var predictorOptimizer: AdamW?
    private var optimizers: Optimizers?
    private var sampler: SplitMix64
    private var tensorRNG: RNG
    private var statisticsSet: Bool

    // What readers see, guarded by `publishLock`.
    private let publishLock = NSLock()
    private var published: TrainedModel
    private var publishedSteps = 0

    /// Fine-tunes a trained model: its weights are copied, `model` itself is never modified (it is the
    /// first published snapshot). Throws `OnlineLearningError.invalidOption` for impossible options.
    public convenience init(model: TrainedModel, options: Options = Options()) throws {
        try self.init(network: model.network.copy(), published: model, fromScratch: false, sha: model.checkpointSHA256,
                      seeds: model.trainingSeeds, step: model.step, options: options)
    }

    /// A fresh network built from `config` for frames like `data`, trained from scratch with the config's
    /// objective (encoder, predictor, probe, decoder). The probe's state normalisation comes from the first batch,
    /// as in `tumble train`.
    public convenience init(scratch config: TrainingConfig = TrainingConfig(), data: DataDescription, options: Options = Options()) throws {
        let info = ModelInfo(data: data)
        let network = try WorldNetwork(config: config, info: info)
        let first = TrainedModel(config: config, checkpointSHA256: "", trainingSeeds: .list([]), info: info, step: 0,
                                 network: try network.copy())
        try self.init(network: network, published: first, fromScratch: true, sha: "", seeds: .list([]), step: 0, options: options)
    }

    private init(network: WorldNetwork, published: TrainedModel, fromScratch: Bool, sha: String, seeds: TrainingSeeds, step: Int,
                 options: Options) throws {
        let config = network.config, info = network.info
        self.config = config
        self.options = options
        self.fromScratch = fromScratch
        trainsEncoder = fromScratch || options.trainEncoder
        clipLength = options.clipLength ?? config.clipLength
        batchClips = options.batchClips ?? min(config.batchClips, 8)
        let minimum = 2 + max(config.rolloutSteps, 1)
        guard clipLength >= minimum else {
            throw OnlineLearningError.invalidOption("clipLength: expected ≥ \(minimum) frames (2 of history plus objective.rollout_steps = \(config.rolloutSteps)), got \(clipLength)")
        }
        guard batchClips >= (trainsEncoder ? 2 : 1) else {
            throw OnlineLearningError.invalidOption("batchClips: expected ≥ \(trainsEncoder ? 2 : 1)\(trainsEncoder ? " (the collapse regulariser needs a batch)" : ""), got \(batchClips)")
        }
        guard options.bufferFrames >= clipLength else {
            throw OnlineLearningError.invalidOption("bufferFrames: expected ≥ clipLength (\(clipLength)), got \(options.bufferFrames)")
        }
        if let lr = options.learningRate, !(lr > 0 && lr.isFinite) {
            throw OnlineLearningError.invalidOption("learningRate: expected a positive number, got \(lr)")
        }
        self.network = network
        self.published = published
        checkpointSHA256 = sha
        trainingSeeds = seeds
        baseStep = step
        statisticsSet = !fromScratch
        sampler = SplitMix64(seed: SplitMix64.derive(options.seed, 0x0411_11E0))
        tensorRNG = RNG(seed: SplitMix64.derive(options.seed, 0x0411_7E45))
        frameBytes = info.height * info.width * info.channels
        actionDimension = info.actionDimension
        stateSize = info.bodies * 6
        buffer = RecentFrames(capacity: options.bufferFrames, frameBytes: frameBytes, actionDimension: actionDimension, stateSize: stateSize)
        if trainsEncoder {
            if !fromScratch { optimizers = Optimizers(network: network, config: config) }
        } else {
            predictorOptimizer = AdamW(network.predictorParameters, learningRate: Float(config.lr), beta1: Float(config.beta1),
                                       beta2: Float(config.beta2), weightDecay: Float(config.weightDecay), decays: { !$0.hasSuffix(".bias") })
        }
    }

    /// Why a trained model's weights cannot learn from a stream like `data` (frame size, channels, action
    /// size differ), or nil when they can.
    public static func incompatibility(of model: TrainedModel, with data: DataDescription) -> String? {
        let i = model.info
        if (i.height, i.width, i.channels) != (data.height, data.width, data.channels) {
            return "the model reads \(i.height)×\(i.width)×\(i.channels) frames, the stream shows \(data.height)×\(data.width)×\(data.channels)"
        }
        if i.actionDimension != data.actionDimension {
            return "the model takes \(i.actionDimension) action values per step, \(data.sceneName) has \(data.actionDimension)"
        }
        return nil
    }

    // MARK: Readers

    /// The latest published model: immutable, safe to use on one other thread while training goes on.
    public var model: TrainedModel { publishLock.lock(); defer { publishLock.unlock() }; return published }

    /// Optimiser steps applied (and published) so far.
    public var steps: Int { publishLock.lock(); defer { publishLock.unlock() }; return publishedSteps }

    /// Frames currently held for training (observed, at most `bufferFrames`).
    public var bufferedFrames: Int {
        inboxLock.lock(); defer { inboxLock.unlock() }
        return min(bufferCount + inboxFrames, options.bufferFrames)
    }

    // MARK: Observations

    /// Adds the frame just shown (uint8 [H, W, C]), the true states of its bodies ([N, 6] as in datasets:
    /// x, y, angle, vx, vy, ω; nil if unknown) and the action applied during the step that led to it (A
    /// values; nil on the first frame of a sequence or without an actor). A frame of another size is
    /// dropped; states of another size count as unknown; a missing action on a scene with an actor starts a
    /// new sequence. Returns whether the frame was kept.
    @discardableResult
    public func observe(frame: UnsafeBufferPointer<UInt8>, states: UnsafeBufferPointer<Float>?, actionBefore: UnsafeBufferPointer<Float>?) -> Bool {
        guard frame.count == frameBytes else { breakSequence(); return false }
        var action: [Float]? = nil
        var broken = false
        if actionDimension > 0 {
            if let a = actionBefore, a.count == actionDimension { action = Array(a) } else { broken = true }
        }
        let arrival = Arrival.frame(Array(frame), states: states.flatMap { $0.count == stateSize ? Array($0) : nil }, actionBefore: action)
        inboxLock.lock()
        if broken { inbox.append(.sequenceBreak) }
        inbox.append(arrival)
        inboxFrames += 1
        // While nobody steps, frames beyond the buffer's capacity would be dropped on arrival anyway: drop
        // the oldest here (the buffer's newest frame no longer precedes what follows).
        if inboxFrames > options.bufferFrames {
            while let first = inbox.first {
                inbox.removeFirst()
                if case .frame = first { inboxFrames -= 1; break }
            }
            inboxDropped = true
        }
        inboxLock.unlock()
        return true
    }

    /// The next frame does not follow the last one (a reset, a new scene, an injected violation).
    public func breakSequence() {
        inboxLock.lock(); inbox.append(.sequenceBreak); inboxLock.unlock()
    }

    // MARK: Training

    /// One optimiser step on a batch of recent clips, then publishes the new weights. Returns nil while the
    /// buffer holds no complete clip (full mode: none with states). Calls are serialised.
    public func step() throws -> StepResult? {
        stepLock.lock(); defer { stepLock.unlock() }
        takeArrivals()
        return try trainsEncoder ? fullStep() : predictorStep()
    }

    /// Moves what `observe` queued into the buffer (a constant-time swap under the inbox lock).
    private func takeArrivals() {
        inboxLock.lock()
        let arrivals = inbox, dropped = inboxDropped
        inbox = []
        inboxFrames = 0
        inboxDropped = false
        inboxLock.unlock()
        if dropped { buffer.breakSequence() }
        for a in arrivals {
            switch a {
            case .sequenceBreak: buffer.breakSequence()
            case let .frame(pixels, states, action):
                pixels.withUnsafeBufferPointer { f in
                    func add(_ st: UnsafeBufferPointer<Float>?) {
                        if let action { action.withUnsafeBufferPointer { buffer.append(frame: f, states: st, actionBefore: $0) } }
                        else { buffer.append(frame: f, states: st, actionBefore: nil) }
                    }
                    if let states { states.withUnsafeBufferPointer { add($0) } } else { add(nil) }
                }
            }
        }
        inboxLock.lock(); bufferCount = buffer.count; inboxLock.unlock()
    }

    private var learningRate: Double {
        if let lr = options.learningRate { return lr }
        return fromScratch ? config.learningRate(at: stepsSoFar) : 0.1 * config.lr
    }

    /// Steps applied so far (read on the stepping thread, the only writer).
    private var stepsSoFar: Int { steps }

    /// Frozen encoder: cached latents of B clips → predictor loss → AdamW on the predictor.
    private func predictorStep() throws -> StepResult? {
        let b = batchClips, t = clipLength, d = network.latentDimension, a = buffer.actionDimension, fb = buffer.frameBytes
        var latents = [Float](repeating: 0, count: b * t * d)
        var actions = [Float](repeating: 0, count: b * t * a)
        var missing: [Int: [Int]] = [:]        // serial → batch rows needing its latent
        var missingOrder: [Int] = []
        var missingFrames: [UInt8] = []

        buffer.prepareLatents(dimension: d)
        let starts = buffer.clipStarts(length: t, needStates: false)
        guard !starts.isEmpty else { return nil }
        for c in 0..<b {
            let first = starts[sampler.below(starts.count)]
            for j in 0..<t {
                let serial = first + j, row = c * t + j, slot = buffer.slot(serial)
                for k in 0..<a { actions[row * a + k] = buffer.actions[slot * a + k] }
                if buffer.hasLatent(serial) {
                    latents.withUnsafeMutableBufferPointer { dst in
                        buffer.latents.withUnsafeBufferPointer { src in
                            (dst.baseAddress! + row * d).update(from: src.baseAddress! + slot * d, count: d)
                        }
                    }
                } else {
                    if missing[serial] == nil {
                        missingOrder.append(serial)
                        missingFrames += buffer.frames[(slot * fb)..<((slot + 1) * fb)]
                    }
                    missing[serial, default: []].append(row)
                }
            }
        }

        if !missingOrder.isEmpty {
            let encoded = try network.encode(frames: missingFrames, info: network.info)
            for (i, serial) in missingOrder.enumerated() {
                for row in missing[serial]! {
                    for k in 0..<d { latents[row * d + k] = encoded[i * d + k] }
                }
            }
            for (i, serial) in missingOrder.enumerated() { buffer.storeLatent(serial, encoded[(i * d)..<((i + 1) * d)]) }
        }

        let z = try Tensor(latents, shape: [b * t, d])
        let outcome = try TrainingStep.predictor(network: network, optimizer: predictorOptimizer!, latents: z, clips: b, length: t,
                                                 actions: actions, learningRate: learningRate)
        if outcome.applied { try publish() }
        return StepResult(outcome)
    }

    /// A training step: `Objective.run` on a batch of recent clips with their states.
    private func fullStep() throws -> StepResult? {
        let b = batchClips, t = clipLength, a = buffer.actionDimension, fb = buffer.frameBytes, sb = buffer.stateSize
        var batch = EpisodeBatch(zeroed: b, length: t, like: EpisodeLayout(steps: t, network.info.data))
        let starts = buffer.clipStarts(length: t, needStates: true)
        guard !starts.isEmpty else { return nil }
        for c in 0..<b {
            let first = starts[sampler.below(starts.count)]
            for j in 0..<t {
                let slot = buffer.slot(first + j), row = c * t + j
                batch.frames.withUnsafeMutableBufferPointer { dst in
                    buffer.frames.withUnsafeBufferPointer { src in
                        (dst.baseAddress! + row * fb).update(from: src.baseAddress! + slot * fb, count: fb)
                    }
                }
                for k in 0..<sb { batch.states[row * sb + k] = buffer.states[slot * sb + k] }
                for k in 0..<a { batch.actions[row * a + k] = buffer.actions[slot * a + k] }
            }
        }

        if !statisticsSet {
            // From scratch: the probe's target normalisation from the first batch, as `tumble train` does.
            let stats = Objective.stateStatistics(batch, bodies: network.info.bodies)
            var info = network.info
            info.stateMean = stats.mean; info.stateStd = stats.std
            network = try network.copy(info: info)
            statisticsSet = true
        }
        if optimizers == nil { optimizers = Optimizers(network: network, config: config) }
        let outcome = try TrainingStep.full(network: network, optimizers: optimizers!, batch: batch, learningRate: learningRate,
                                            momentumStep: baseStep + stepsSoFar, rng: &tensorRNG)
        guard outcome.applied else { return StepResult(outcome) }
        network.zeroGrad()
        // The window's read-out follows the probe that trains beside the encoder.
        try network.copyProbeToReadout()
        try publish()
        return StepResult(outcome)
    }

    /// Swaps in a snapshot of the current weights (a deep copy nobody writes to again).
    private func publish() throws {
        let next = stepsSoFar + 1
        let snapshot = TrainedModel(config: config, checkpointSHA256: checkpointSHA256, trainingSeeds: trainingSeeds,
                                    info: network.info, step: baseStep + next, network: try network.copy())
        publishLock.lock()
        published = snapshot
        publishedSteps = next
        publishLock.unlock()
    }
}

/// Why an online learner could not be set up.
public enum OnlineLearningError: Error, CustomStringConvertible {
    case invalidOption(String)

    public var description: String {
        switch self {
        case .invalidOption(let m): return "online learning: \(m)"
        }
    }
}
