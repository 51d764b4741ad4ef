import Foundation
import Physics
import Tensor
import WorldModel

/// A trained checkpoint as the window's model: each observed frame is encoded once; the predictor is rolled
/// out k steps under the same actions the simulator's true future uses; the linear probe reads body
/// positions off every imagined latent; the decoder draws the predicted next latent.
///
/// Surprise is the latent prediction error of the frame just seen: the mean squared difference between its
/// encoding and the latent predicted for it one step earlier.
///
/// Live learning: every frame shown (with the bodies' true states and the action that led to it) also goes
/// to an `OnlineLearner`, which `learnStep` drives from the window's background thread. The window always
/// draws with one published snapshot per observation step (`model`), so drawing never waits on training and
/// never sees half-updated weights.
public final class TrainedModelAdapter: ViewerModel, StateReadingModel {
    /// The model as loaded (or freshly built), before any online learning.
    public let initialModel: TrainedModel
    /// Trains the model on the frames shown (nil if it cannot: see `learningUnavailable`).
    public let learner: OnlineLearner?
    /// Why live learning is unavailable, for the HUD.
    public let learningUnavailable: String?

    /// The snapshot the current observation step uses (the latest published one when the step began).
    public private(set) var model: TrainedModel
    private weak var sandbox: Sandbox?
    private var previous: [Float]?
    private var current: [Float]?
    /// The frame `current` encodes (re-encoded when a new snapshot changed the encoder).
    private var currentFrame: [UInt8]?
    /// ẑ(t+1), predicted at the last `imagine`.
    private var predictedNext: [Float]?
    /// The masks of `currentFrame`, computed when first asked for.
    private var masksOfCurrent: ObjectMasks??
    /// False while the window's physics differs from the scene: frames are then not handed to the learner.
    private var feedsLearner = true

    /// `learning` configures live learning: by default the predictor fine-tunes with the encoder frozen.
    public init(model: TrainedModel, learning: OnlineLearner.Options = OnlineLearner.Options()) {
        initialModel = model
        self.model = model
        do {
            learner = try OnlineLearner(model: model, options: learning)
            learningUnavailable = nil
        } catch {
            learner = nil
            learningUnavailable = "\(error)"
        }
    }

    /// A new model for `scene` built from `config` (the defaults: the shipped model's architecture), which
    /// only learns in the window: encoder, predictor, probe and decoder from scratch under the config's
    /// objective. Throws if the config does not fit the scene's frames.
    public init(learningFromScratch scene: Scene, config: TrainingConfig = TrainingConfig(),
                learning: OnlineLearner.Options = OnlineLearner.Options()) throws {
        let learner = try OnlineLearner(scratch: config, data: try DataDescription(scene: scene), options: learning)
        self.learner = learner
        learningUnavailable = nil
        initialModel = learner.model
        model = learner.model
    }

    /// Loads a checkpoint written by `tumble train`; a missing, truncated or foreign file throws an error
    /// naming the file and what is wrong.
    public static func load(checkpoint url: URL) throws -> TrainedModelAdapter {
        TrainedModelAdapter(model: try TrainedModel.load(checkpoint: url))
    }

    /// Whether the model started from scratch in this window (no checkpoint behind it).
    public var isFromScratch: Bool { initialModel.checkpointSHA256.isEmpty }

    public var trainedOn: String? { model.info.sceneName }

    public var label: String {
        let online = learner?.steps ?? 0
        if isFromScratch { return "\(model.info.sceneName) · new model learning from scratch · \(online) steps" }
        return "\(model.info.sceneName) · \(model.checkpointSHA256.prefix(12)) · step \(initialModel.step)"
            + (online > 0 ? " + \(online) online" : "")
    }

    public var frameSize: (height: Int, width: Int, channels: Int) {
        (model.info.height, model.info.width, model.info.channels)
    }

    func connect(states sandbox: Sandbox) { self.sandbox = sandbox }

    public func observe(frame: UnsafeBufferPointer<UInt8>, action: UnsafeBufferPointer<Float>?) -> Float? {
        masksOfCurrent = nil
        if let learner, feedsLearner {
            if let states = sandbox?.states, !states.isEmpty {
                _ = states.withUnsafeBufferPointer { learner.observe(frame: frame, states: $0, actionBefore: action) }
            } else {
                learner.observe(frame: frame, states: nil, actionBefore: action)
            }
            let latest = learner.model
            if latest !== model {
                model = latest
                // A trained encoder moved: the last frame's latent must come from the same weights as the next.
                if learner.trainsEncoder, let f = currentFrame { current = try? model.encode(frames: f) }
            }
        }
        let pixels = Array(frame)
        guard let z = try? model.encode(frames: pixels) else { return nil }
        var surprise: Float?
        if let zhat = predictedNext, zhat.count == z.count, !z.isEmpty {
            var sum: Float = 0
            for i in z.indices { let d = z[i] - zhat[i]; sum += d * d }
            surprise = sum / Float(z.count)
        }
        previous = current ?? z
        current = z
        currentFrame = pixels
        predictedNext = nil
        return surprise
    }

    public func imagine(steps k: Int, futureActions: [[Float]]) -> [[SIMD2<Float>]] {
        guard k > 0, let z = current else { return [] }
        let a = model.info.actionDimension, d = model.latentDimension, n = model.info.bodies
        var actions = [Float]()
        actions.reserveCapacity(k * a)
        for s in 0..<k {
            let given = s < futureActions.count ? futureActions[s] : []
            for j in 0..<a { actions.append(j < given.count ? given[j] : 0) }
        }
        guard let latents = try? model.rollout(previous: previous ?? z, current: z, actions: actions, steps: k),
              latents.count == k * d, let positions = try? model.probePositions(latents: latents),
              positions.count == k * n * 2 else { return [] }
        predictedNext = Array(latents[0..<d])
        return (0..<k).map { s in (0..<n).map { b in SIMD2(positions[(s * n + b) * 2], positions[(s * n + b) * 2 + 1]) } }
    }

    public func decodePrediction(into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard let z = predictedNext, let picture = try? model.decode(latents: z), picture.count <= out.count else { return false }
        picture.withUnsafeBufferPointer { p in _ = UnsafeMutableBufferPointer(rebasing: out[0..<p.count]).initialize(from: p) }
        return true
    }

    public func resetHistory() {
        previous = nil; current = nil; currentFrame = nil; predictedNext = nil; masksOfCurrent = nil
        learner?.breakSequence()
    }

    public func objectMasks() -> ObjectMasks? {
        if let cached = masksOfCurrent { return cached }
        guard let f = currentFrame else { return nil }
        let masks = (try? model.masks(frame: f)).map { ObjectMasks(values: $0.values, count: $0.count, height: $0.height, width: $0.width) }
        masksOfCurrent = .some(masks)
        return masks
    }

    public func probeReadout() -> [SIMD4<Float>]? {
        guard let z = current, let s = try? model.probeStates(previous: previous ?? z, current: z) else { return nil }
        let n = model.info.bodies
        guard s.count == n * 4 else { return nil }
        return (0..<n).map { SIMD4(s[$0 * 4], s[$0 * 4 + 1], s[$0 * 4 + 2], s[$0 * 4 + 3]) }
    }

    public func probeAngles() -> [Float?]? {
        guard let z = current, let cs = (try? model.probeAngles(latents: z)) ?? nil else { return nil }
        let symmetry = model.info.data.orientationSymmetry, n = model.info.bodies
        guard cs.count == n * 2, symmetry.count == n else { return nil }
        return (0..<n).map { b in
            symmetry[b] > 0 ? ProbeAngle.wrap(atan2f(cs[b * 2 + 1], cs[b * 2]) / Float(symmetry[b]), symmetry: symmetry[b]) : nil
        }
    }

    public func probeAngleSymmetry() -> [Int]? {
        model.info.data.hasTurningBodies ? model.info.data.orientationSymmetry : nil
    }

    public func setLearningFromObserved(_ on: Bool) {
        if feedsLearner && !on { learner?.breakSequence() }
        feedsLearner = on
    }

    public var supportsLearning: Bool { learner != nil }

    /// One online step (background thread): the loss it minimised, or nil while there is no complete clip yet.
    public func learnStep() -> Float? {
        guard let learner, let result = try? learner.step() else { return nil }
        return Float(result.loss)
    }
}

/// A model that also reads the bodies' true states each step (to train its probe online). Unlike
/// `StateOracleModel` it still reads the sandbox's frames, so the frame checks apply to it.
protocol StateReadingModel: ViewerModel {
    func connect(states: Sandbox)
}
