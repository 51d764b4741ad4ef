import Foundation
import Observation
import Physics
import WorldModel

/// Where the actor and the pushed body go under candidate action sequences. The planner scores sequences on these
/// paths; two predictors share it so their success rates compare like for like: the world model (from pixels, via
/// latents) and the simulator itself (from the true state, the ceiling a perfect model reaches with this planner).
public protocol PathPredictor: AnyObject {
    /// Starts an episode from its first observation; the goal is given as a frame.
    func begin(episode: PushEpisode, frame: [UInt8], states: [Float], goalFrame: [UInt8]) throws
    /// The next observation, after the action that led to it.
    func observe(frame: [UInt8], states: [Float], action: SIMD2<Float>) throws
    /// The goal centre of the pushed body, as this predictor reads it.
    var goal: SIMD2<Float> { get }
    /// For S sequences of T actions `[S, T, 2]`, each following the same P actions `prefix` `[P, 2]` (the ones already
    /// committed to while the plan is made): actor and pushed-body centres `[S, P + T, 2, 2]` after each action.
    func paths(prefix: [Float], actions: [Float], samples: Int, steps: Int) throws -> [Float]
}

extension PathPredictor {
    /// Paths from the current observation, with nothing committed before the sequences.
    public func paths(actions: [Float], samples: Int, steps: Int) throws -> [Float] {
        try paths(prefix: [], actions: actions, samples: samples, steps: steps)
    }
}

/// The world model as path predictor: latents of the last two frames rolled forward by the action-conditioned
/// predictor. Positions are centroids of the latent's own maps (masks), in world units: the pushed body is the mean
/// centroid of the maps that differ between the first frame and the goal frame (weighted by how far each moved,
/// since the goal frame is the first frame with the body moved), the actor the map the model moves most when the
/// action changes. The planner never sees a true state.
public final class LatentPaths: PathPredictor {
    public let model: TrainedModel
    let camera: CameraRect
    private var previous: [Float] = [], current: [Float] = []
    public private(set) var goal = SIMD2<Float>(0, 0)
    /// Per map: its share of the pushed body's position.
    public private(set) var bodyWeights: [Float] = []
    /// The map that stands for the actor.
    public private(set) var actorMap = 0

    /// Throws `PlanError.modelMismatch` when the checkpoint was trained on another scene or frame size, or its latent
    /// has no maps to read positions from.
    public init(model: TrainedModel, task: PushTask, frameShape: [Int]) throws {
        let info = model.info
        guard info.sceneName == task.scene.name else {
            throw PlanError.modelMismatch("the checkpoint is a model of scene \(info.sceneName), not \(task.scene.name): plan with a model of the scene it acts in")
        }
        guard [info.height, info.width, info.channels] == frameShape, info.actionDimension == 2 else {
            throw PlanError.modelMismatch("the checkpoint expects \(info.height)×\(info.width)×\(info.channels) frames and \(info.actionDimension) actions; \(task.scene.name) gives \(frameShape.map(String.init).joined(separator: "×")) and 2")
        }
        guard try model.mapCentroids(latents: [Float](repeating: 0, count: model.latentDimension)) != nil else {
            throw PlanError.modelMismatch("the checkpoint's latent has no maps (model.latent: spatial), so the planner cannot read positions from it")
        }
        self.model = model
        camera = task.scene.cameraRect
    }

    /// Centroids of every map of latents `[B, D]` in world units: `[B, C, 2]`.
    func centroids(_ latents: [Float]) throws -> (values: [Float], maps: Int) {
        let read = try model.mapCentroids(latents: latents)!
        let sx = (camera.maxX - camera.minX) / Float(read.width), sy = (camera.maxY - camera.minY) / Float(read.height)
        let n = read.values.count / 3
        var out = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            out[2 * i] = camera.minX + (read.values[3 * i + 1] + 0.5) * sx
            out[2 * i + 1] = camera.maxY - (read.values[3 * i + 2] + 0.5) * sy
        }
        return (out, read.channels)
    }

    public func begin(episode: PushEpisode, frame: [UInt8], states: [Float], goalFrame: [UInt8]) throws {
        current = try model.encode(frames: frame)
        previous = current
        let start = try centroids(current), target = try centroids(try model.encode(frames: goalFrame))
        let c = start.maps
        var weights = (0..<c).map { k -> Float in
            let dx = target.values[2 * k] - start.values[2 * k], dy = target.values[2 * k + 1] - start.values[2 * k + 1]
            return dx * dx + dy * dy
        }
        let total = weights.reduce(0, +)
        weights = total > 0 ? weights.map { $0 / total } : [Float](repeating: 1 / Float(c), count: c)
        bodyWeights = weights
        goal = position(target.values, row: 0)
        // The actor's map: the one whose centroid four steps ahead moves most between opposite actions.
        let probes: [Float] = [1, 0, -1, 0, 0, 1, 0, -1]
        var actions = [Float]()
        for p in 0..<4 { for _ in 0..<4 { actions += probes[(2 * p)..<(2 * p + 2)] } }
        let d = current.count
        var tiled = [Float](); tiled.reserveCapacity(4 * d)
        for _ in 0..<4 { tiled += current }
        let ahead = try model.rollout(previous: tiled, current: tiled, actions: actions, steps: 4)
        var last = [Float](); last.reserveCapacity(4 * d)
        for p in 0..<4 { last += ahead[((p * 4 + 3) * d)..<((p * 4 + 4) * d)] }
        let moved = try centroids(last).values
        var best = -Float.infinity
        for k in 0..<c {
            var response: Float = 0
            for (a, b) in [(0, 1), (2, 3)] {
                let dx = moved[2 * (a * c + k)] - moved[2 * (b * c + k)], dy = moved[2 * (a * c + k) + 1] - moved[2 * (b * c + k) + 1]
                response += (dx * dx + dy * dy).squareRoot()
            }
            if response > best { best = response; actorMap = k }
        }
    }

    /// The pushed body's position in row `row` of map centroids `[B, C, 2]`.
    private func position(_ values: [Float], row: Int) -> SIMD2<Float> {
        let c = bodyWeights.count
        var p = SIMD2<Float>(0, 0)
        for k in 0..<c { p += bodyWeights[k] * SIMD2(values[2 * (row * c + k)], values[2 * (row * c + k) + 1]) }
        return p
    }

    public func observe(frame: [UInt8], states: [Float], action: SIMD2<Float>) throws {
        previous = current
        current = try model.encode(frames: frame)
    }

    public func paths(prefix: [Float], actions: [Float], samples s: Int, steps t: Int) throws -> [Float] {
        let d = current.count, p = prefix.count / 2
        // The committed actions are rolled out once, from the last two observations; every sequence starts where
        // they end.
        var start = (previous, current), lead: [Float] = []
        if p > 0 {
            let ahead = try model.rollout(previous: previous, current: current, actions: prefix, steps: p)       // [P, D]
            start = (p > 1 ? Array(ahead[((p - 2) * d)..<((p - 1) * d)]) : current, Array(ahead[((p - 1) * d)..<(p * d)]))
            lead = try positions(ahead, rows: p)
        }
        var before = [Float](), now = [Float]()
        before.reserveCapacity(s * d); now.reserveCapacity(s * d)
        for _ in 0..<s { before += start.0; now += start.1 }
        let rows = try positions(try model.rollout(previous: before, current: now, actions: actions, steps: t), rows: s * t)
        var out = [Float](); out.reserveCapacity(s * (p + t) * 4)
        for i in 0..<s { out += lead; out += rows[(i * t * 4)..<((i + 1) * t * 4)] }
        return out
    }

    /// Actor and pushed-body centres `[rows, 2, 2]` read from latents `[rows, D]`.
    private func positions(_ latents: [Float], rows n: Int) throws -> [Float] {
        let read = try centroids(latents)                                         // [rows, C, 2]
        let c = read.maps
        var out = [Float](repeating: 0, count: n * 4)
        for r in 0..<n {
            out[4 * r] = read.values[2 * (r * c + actorMap)]; out[4 * r + 1] = read.values[2 * (r * c + actorMap) + 1]
            let b = position(read.values, row: r)
            out[4 * r + 2] = b.x; out[4 * r + 3] = b.y
        }
        return out
    }
}

/// The simulator as path predictor: a private copy of the episode's world, put at the true current state before
/// every candidate sequence and stepped with it. The same planner with this predictor is the ceiling for the model.
public final class SimulatorPaths: PathPredictor {
    let world: World
    let actorRow: Int, pushedRow: Int
    private var states: [Float] = []
    public private(set) var goal = SIMD2<Float>(0, 0)

    public init(task: PushTask) throws {
        world = try World(scene: task.scene)
        actorRow = task.actorRow; pushedRow = task.pushedRow
    }

    public func begin(episode: PushEpisode, frame: [UInt8], states: [Float], goalFrame: [UInt8]) throws {
        world.reset(seed: episode.seed)
        self.states = states
        goal = episode.goal
    }

    public func observe(frame: [UInt8], states: [Float], action: SIMD2<Float>) throws {
        self.states = states
    }

    public func paths(prefix: [Float], actions: [Float], samples s: Int, steps t: Int) throws -> [Float] {
        let p = prefix.count / 2, n = p + t
        var out = [Float](repeating: 0, count: s * n * 4)
        var row = [Float](repeating: 0, count: world.bodyCount * 6)
        var action: [Float] = [0, 0]
        for i in 0..<s {
            states.withUnsafeBufferPointer { world.place(states: $0) }
            for j in 0..<n {
                let (source, at) = j < p ? (prefix, 2 * j) : (actions, (i * t + j - p) * 2)
                action[0] = source[at]; action[1] = source[at + 1]
                action.withUnsafeBufferPointer { world.step(action: $0) }
                row.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
                let o = (i * n + j) * 4
                out[o] = row[6 * actorRow]; out[o + 1] = row[6 * actorRow + 1]
                out[o + 2] = row[6 * pushedRow]; out[o + 3] = row[6 * pushedRow + 1]
            }
        }
        // Stepping grows the world's replay log; start each plan from a fresh one.
        world.reset(seed: world.seed)
        return out
    }
}
