import Foundation
import Observation
import Tensor

/// A trained world model loaded from a checkpoint, for evaluation, the viewer and scripts.
///
/// Layouts (all row-major, plain arrays so callers need no tensor types):
/// - frames: uint8 `[B, H, W, C]` exactly as the observation stream and datasets hold them;
/// - latents: float `[B, D]` (a spatial map is flattened channel-major: `[C, h, w]` per row);
/// - actions: float `[B, A]` per step (A = 0 for scenes without an actor: pass `[]`);
/// - states: float `[B, N, 4]` per body: x, y, vx, vy in world units (positions `[B, N, 2]`).
///
/// Thread safety: one instance is used from one thread at a time (it reuses scratch buffers).
public final class TrainedModel {
    /// The resolved configuration the model was trained with.
    public let config: TrainingConfig
    /// Lower-case hex SHA-256 of the checkpoint file's bytes.
    public let checkpointSHA256: String
    /// Which episode seeds training saw (evaluation refuses data that overlaps them).
    public let trainingSeeds: TrainingSeeds
    /// What the model was trained on: frame size, body count, action size, scene hash.
    public let info: ModelInfo
    /// Optimisation steps the checkpoint was trained for.
    public let step: Int
    /// Latent size D (C·h·w for a spatial latent).
    public var latentDimension: Int { network.latentDimension }

    let network: WorldNetwork
    /// The config text exactly as the checkpoint stores it. Reports hash this, not `config.yaml`, whose
    /// serialisation gains keys whenever a newer tumble adds a setting (so an old report still verifies).
    let storedConfigText: String

    init(config: TrainingConfig, storedConfigText: String? = nil, checkpointSHA256: String, trainingSeeds: TrainingSeeds, info: ModelInfo, step: Int, network: WorldNetwork) {
        self.config = config
        self.storedConfigText = storedConfigText ?? config.yaml
        self.checkpointSHA256 = checkpointSHA256
        self.trainingSeeds = trainingSeeds
        self.info = info
        self.step = step
        self.network = network
    }

    /// Loads a checkpoint written by `tumble train` (`last.safetensors` or `step-N.safetensors`).
    /// Throws a `RunError.checkpoint` naming the file and what is wrong for a truncated file, a file of
    /// another architecture (tensor names or shapes not those its stored config implies) or bad metadata.
    public static func load(checkpoint url: URL) throws -> TrainedModel {
        let loaded = try ModelCheckpoint.read(url)
        return TrainedModel(config: loaded.config, storedConfigText: loaded.configText, checkpointSHA256: loaded.sha256, trainingSeeds: loaded.seeds,
                            info: loaded.info, step: loaded.step, network: loaded.network)
    }

    /// A twin with its own copy of every weight, so one thread can run it while another runs (or trains) this one.
    public func copy() throws -> TrainedModel {
        TrainedModel(config: config, storedConfigText: storedConfigText, checkpointSHA256: checkpointSHA256,
                     trainingSeeds: trainingSeeds, info: info, step: step, network: try network.copy())
    }

    /// Encodes frames uint8 `[B, H, W, C]` (B = frames.count / (H·W·C)) to latents `[B, D]` with the
    /// online encoder (the one the predictor and probes were trained on).
    public func encode(frames: [UInt8]) throws -> [Float] {
        try network.encode(frames: frames, info: info)
    }

    /// One predictor step for B examples: ẑ(t+1) = z(t) + f(z(t-1), z(t), a(t)). Returns `[B, D]`.
    /// `currentIsPredicted`: z(t) is itself a prediction, as in a rollout's later steps (`rollout` does this itself).
    public func predict(previous: [Float], current: [Float], actions: [Float], currentIsPredicted: Bool = false) throws -> [Float] {
        try network.predict(previous: previous, current: current, actions: actions, currentIsPredicted: currentIsPredicted, info: info)
    }

    /// Autoregressive rollout of `steps` predictions from (z(t-1), z(t)) with actions `[B, steps, A]`
    /// (empty when A = 0). Returns `[B, steps, D]`: ẑ(t+1) … ẑ(t+steps).
    public func rollout(previous: [Float], current: [Float], actions: [Float], steps: Int) throws -> [Float] {
        try network.rollout(previous: previous, current: current, actions: actions, steps: steps, info: info)
    }

    /// Linear probe of body positions from single latents `[B, D]`: returns `[B, N, 2]` (x, y, world units).
    public func probePositions(latents: [Float]) throws -> [Float] {
        try network.probePositions(latents: latents, info: info)
    }

    /// Linear probe of states from consecutive latents (z(t-1), z(t)), each `[B, D]`: returns `[B, N, 4]`
    /// (x, y from z(t); vx, vy from both; world units). Velocity needs two frames, hence two latents.
    public func probeStates(previous: [Float], current: [Float]) throws -> [Float] {
        try network.probeStates(previous: previous, current: current, info: info)
    }

    /// Angle read-out from single latents `[B, D]`: `[B, N, 2]` = (cos sθ, sin sθ) per body, s its rotational symmetry
    /// (`ModelInfo.data.orientationSymmetry`; bodies with s = 0 read 0). nil for a scene without turning bodies.
    public func probeAngles(latents: [Float]) throws -> [Float]? {
        let d = latentDimension
        guard latents.count % max(d, 1) == 0 else {
            throw TensorError.shapeMismatch(op: "TrainedModel.probeAngles", lhs: [latents.count], rhs: [-1, d])
        }
        return try network.heads.angles(latents, rows: latents.count / d)
    }

    /// Transposed-conv decoder: latents `[B, D]` to frames uint8 `[B, H, W, C]`.
    public func decode(latents: [Float]) throws -> [UInt8] {
        try network.decode(latents: latents, info: info)
    }
}

/// What a model was trained on; stored in the checkpoint's metadata.
public struct ModelInfo: Codable, Equatable, Sendable {
    /// The data the model was trained on.
    public var data: DataDescription
    /// Per state column (x, y, vx, vy): mean and std used to normalise the probe's targets.
    public var stateMean: [Float]
    public var stateStd: [Float]

    /// `model.encoder.instances`: the masks split into one map per body, chosen from the first batch (empty: none).
    public var instanceMasks: [Int] = []
    /// Per instance mask: the largest spread (px²) of one of its bodies in the first batch (`InstanceSplit`).
    public var instanceSpreads: [Float] = []
    /// `objective.novel_colours`: the colour-grid cells (`NovelColours.levels` a channel) of the run's first batches,
    /// sorted; novel colours are drawn far from these and from the batch's own (empty: off).
    public var seenColours: [Int] = []

    public init(data: DataDescription, stateMean: [Float] = [0, 0, 0, 0], stateStd: [Float] = [1, 1, 1, 1], instanceMasks: [Int] = [],
                instanceSpreads: [Float] = [], seenColours: [Int] = []) {
        self.data = data; self.stateMean = stateMean; self.stateStd = stateStd
        self.instanceMasks = instanceMasks; self.instanceSpreads = instanceSpreads; self.seenColours = seenColours
    }

    public var height: Int { data.height }
    public var width: Int { data.width }
    public var channels: Int { data.channels }
    /// Dynamic bodies in the state vector (probe outputs N of them).
    public var bodies: Int { data.bodies }
    /// Action width A (0 without an actor).
    public var actionDimension: Int { data.actionDimension }
    public var sceneName: String { data.sceneName }
    public var sceneSHA256: String { data.sceneSHA256 }
    /// Frames per second of the observation stream (the probe's velocities are per second).
    public var observationHz: Double { data.observationHz }

    // Checkpoints store one flat JSON object (`__metadata__.info`); its keys are part of the format.
    enum CodingKeys: String, CodingKey {
        case height, width, channels, bodies, actionSize, sceneSHA256, sceneName, stateMean, stateStd, observationHz
        case orientationSymmetry, instanceMasks, instanceSpreads, seenColours
    }

    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = DataDescription(height: try c.decode(Int.self, forKey: .height), width: try c.decode(Int.self, forKey: .width),
                               channels: try c.decode(Int.self, forKey: .channels), bodies: try c.decode(Int.self, forKey: .bodies),
                               actionDimension: try c.decode(Int.self, forKey: .actionSize),
                               sceneName: try c.decode(String.self, forKey: .sceneName),
                               sceneSHA256: try c.decode(String.self, forKey: .sceneSHA256),
                               observationHz: try c.decode(Double.self, forKey: .observationHz),
                               orientationSymmetry: try c.decodeIfPresent([Int].self, forKey: .orientationSymmetry))
        stateMean = try c.decode([Float].self, forKey: .stateMean)
        stateStd = try c.decode([Float].self, forKey: .stateStd)
        instanceMasks = try c.decodeIfPresent([Int].self, forKey: .instanceMasks) ?? []
        instanceSpreads = try c.decodeIfPresent([Float].self, forKey: .instanceSpreads) ?? []
        seenColours = try c.decodeIfPresent([Int].self, forKey: .seenColours) ?? []
    }

    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data.height, forKey: .height); try c.encode(data.width, forKey: .width)
        try c.encode(data.channels, forKey: .channels); try c.encode(data.bodies, forKey: .bodies)
        try c.encode(data.actionDimension, forKey: .actionSize)
        try c.encode(data.sceneSHA256, forKey: .sceneSHA256); try c.encode(data.sceneName, forKey: .sceneName)
        try c.encode(stateMean, forKey: .stateMean); try c.encode(stateStd, forKey: .stateStd)
        try c.encode(data.observationHz, forKey: .observationHz)
        // Only where some orientation shows, so checkpoints of scenes without turning bodies keep their bytes.
        if data.hasTurningBodies { try c.encode(data.orientationSymmetry, forKey: .orientationSymmetry) }
        if !instanceMasks.isEmpty { try c.encode(instanceMasks, forKey: .instanceMasks) }
        if !instanceSpreads.isEmpty { try c.encode(instanceSpreads, forKey: .instanceSpreads) }
        if !seenColours.isEmpty { try c.encode(seenColours, forKey: .seenColours) }
    }
}

/// The episode seeds a model was trained on: an explicit list (from a dataset) or the rule a live
/// stream drew them by. `contains` answers for any seed without materialising a rule's range twice.
public struct TrainingSeeds: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case list, derived }
    public var kind: Kind
    /// `list`: the seeds themselves.
    public var seeds: [UInt64]
    /// `derived`: seed i = `EpisodeSeeds.seed(base:index:)` for i in 0..<count — the rule `tumble record`
    /// uses, so a live run from base B saw exactly the episodes of `tumble record --seed B`.
    public var base: UInt64
    public var count: Int

    public static func list(_ seeds: [UInt64]) -> TrainingSeeds { TrainingSeeds(kind: .list, seeds: seeds.sorted(), base: 0, count: seeds.count) }
    public static func derived(base: UInt64, count: Int) -> TrainingSeeds { TrainingSeeds(kind: .derived, seeds: [], base: base, count: count) }

    /// The i-th live-episode seed of the derived rule.
    public static func seed(base: UInt64, index: Int) -> UInt64 { EpisodeSeeds.seed(base: base, index: index) }

    /// Every training seed (the rule expanded).
    public var all: [UInt64] { kind == .list ? seeds : (0..<count).map { Self.seed(base: base, index: $0) } }

    /// The given seeds that training used (empty: no overlap).
    public func overlap(with candidates: [UInt64]) -> [UInt64] {
        let set = Set(all)
        return candidates.filter { set.contains($0) }
    }

    /// A human-readable summary for reports.
    public var summary: String {
        kind == .list ? "\(seeds.count) dataset episode seeds" : "\(count) live episodes, seeds derived from base \(base)"
    }
}
