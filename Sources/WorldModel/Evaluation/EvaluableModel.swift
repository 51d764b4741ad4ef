/// Frame geometry an encoder accepts and a dataset holds.
public struct FrameShape: Equatable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Bytes in one uint8 frame.
    public var byteCount: Int { height * width * channels }
    public var description: String { "\(height)×\(width)×\(channels)" }
}

/// What evaluation, the report page and the window need from a trained world model.
///
/// The model helper's loaded model (`TrainedModel`) conforms; tests use small doubles. All buffers are
/// row-major Float32/UInt8 arrays; a batch of `count` rows is passed at once so the model can use GEMMs.
/// Calls must be deterministic: the same inputs give the same bits (the report's `--verify` relies on it).
///
/// Time convention: `actions[e, t]` in a dataset is the action applied after frame t is observed, so the
/// transition frame t → frame t+1 is conditioned on it. `predictNext` receives exactly that action.
public protocol EvaluableModel {
    /// Width D of one latent.
    var latentDimension: Int { get }
    /// Number of consecutive latents the predictor reads: 2 for ẑ(t+1) = z(t) + f(z(t−1), z(t), a(t)).
    var historyLength: Int { get }
    /// Frames the encoder accepts.
    var frameShape: FrameShape { get }
    /// Width A of one action (0 for scenes without an actor).
    var actionDimension: Int { get }
    /// Bodies N the probe reads out, in scene order.
    var probeBodies: Int { get }
    /// Short identity of the model for the report (architecture, config hash, training step, …).
    var reportMetadata: [String: String] { get }

    /// Encodes uint8 frames [count, H, W, C] to latents [count, D].
    func encode(frames: [UInt8], count: Int) throws -> [Float]
    /// Predicts the next latent for each row: history [count, historyLength, D] oldest first,
    /// actions [count, A] → [count, D]. `currentIsPredicted`: the newest latent is itself a prediction (a rollout's
    /// steps after the first), which a model may move differently (`model.predictor.rollout_resampling`).
    func predictNext(history: [Float], actions: [Float], count: Int, currentIsPredicted: Bool) throws -> [Float]
    /// The given dataset episode seeds that training also used (empty: held-out data).
    /// Evaluation refuses data for which this is not empty.
    func trainingSeedOverlap(with seeds: [UInt64]) -> [UInt64]
    /// Linear probe of body positions: latents [count, D] → (x, y) in world units [count, probeBodies, 2].
    func probePositions(latents: [Float], count: Int) throws -> [Float]
    /// Linear probe of body velocities from consecutive latents: z(t−1), z(t) [count, D] each → (vx, vy) in world
    /// units per second [count, probeBodies, 2]. nil when the model has no velocity probe.
    func probeVelocities(previous: [Float], current: [Float], count: Int) throws -> [Float]?
    /// Angle read-out: latents [count, D] → (cos sθ, sin sθ) per body [count, probeBodies, 2], s the body's rotational
    /// symmetry. nil when the model has none.
    func probeAngles(latents: [Float], count: Int) throws -> [Float]?
    /// Per body: the rotational symmetry s its angle read-out was fitted for (0: none). nil when the model has none.
    var angleSymmetry: [Int]? { get }
    /// Decoder: latents [count, D] → uint8 frames [count, H, W, C].
    func decode(latents: [Float], count: Int) throws -> [UInt8]
    /// The same architecture with freshly drawn weights from `seed`, never trained: the untrained baseline of the
    /// surprise metrics. nil when the model cannot make one.
    func untrained(seed: UInt64) throws -> EvaluableModel?
}

extension EvaluableModel {
    /// One step from encoded latents.
    public func predictNext(history: [Float], actions: [Float], count: Int) throws -> [Float] {
        try predictNext(history: history, actions: actions, count: count, currentIsPredicted: false)
    }
    public var reportMetadata: [String: String] { [:] }
    public func untrained(seed: UInt64) throws -> EvaluableModel? { nil }
    public func probeVelocities(previous: [Float], current: [Float], count: Int) throws -> [Float]? { nil }
    public func probeAngles(latents: [Float], count: Int) throws -> [Float]? { nil }
    public var angleSymmetry: [Int]? { nil }
}
