import Common
import Foundation

/// Which sampling planner optimises action sequences.
public enum PlannerKind: String, Codable, Sendable, CaseIterable {
    /// Cross-entropy method: refit a Gaussian to the best `eliteFraction` of the samples, round after round.
    case cem
    /// Model-predictive path integral: move the mean to the cost-softmax-weighted average of the samples.
    case mppi
}

/// How hard a planner searches. The time per plan grows with samples × horizon × action repeat × iterations.
public struct PlannerSettings: Equatable, Codable, Sendable {
    public var kind: PlannerKind = .cem
    /// Candidate action sequences per round.
    public var samples = 48
    /// Planned actions per sequence; each is held for `actionRepeat` observations, so the planner looks
    /// horizon × actionRepeat observations ahead.
    public var horizon = 4
    /// Rounds of sampling per plan.
    public var iterations = 2
    /// Observations each planned action is held for; the first one is executed, then the planner plans again.
    public var actionRepeat = 3
    /// CEM: the share of samples the next round's Gaussian is fitted to.
    public var eliteFraction: Double = 0.125
    /// Standard deviation of the first round's actions (actions live in [-1, 1]).
    public var initialStd: Float = 0.8
    /// CEM: the floor on the refitted standard deviation, so the search never freezes.
    public var minimumStd: Float = 0.1
    /// MPPI: the softmax temperature, in cost units (world units).
    public var temperature: Float = 0.2

    public init() {}

    /// Observations the planner looks ahead.
    public var lookahead: Int { horizon * actionRepeat }

    /// Why these settings cannot plan, or nil.
    public var problem: String? {
        if !(1...100_000).contains(samples) { return "--samples must be 1…100000, got \(samples)" }
        if !(1...1000).contains(horizon) { return "--horizon must be 1…1000, got \(horizon)" }
        if !(1...1000).contains(iterations) { return "--iterations must be 1…1000, got \(iterations)" }
        if !(1...100).contains(actionRepeat) { return "--action-repeat must be 1…100, got \(actionRepeat)" }
        if !(eliteFraction > 0 && eliteFraction <= 1) { return "the elite fraction must be in (0, 1], got \(eliteFraction)" }
        if !(temperature > 0) { return "the MPPI temperature must be > 0, got \(temperature)" }
        return nil
    }
}

/// A sampling MPC planner over sequences of `horizon` two-dimensional actions in [-1, 1].
///
/// Each plan warm-starts from the previous plan shifted by one action (the MPC habit: the rest of the last plan is
/// still a good guess), always scores the current mean itself as one of its samples, and draws its noise from its
/// own SplitMix64 stream, so a run is reproducible from its seed.
public final class SamplingPlanner {
    public let settings: PlannerSettings
    static let actionWidth = 2
    private var rng: SplitMix64
    private var mean: [Float]

    public init(settings: PlannerSettings, seed: UInt64) {
        self.settings = settings
        rng = SplitMix64(seed: seed)
        mean = [Float](repeating: 0, count: settings.horizon * Self.actionWidth)
    }

    /// Starts afresh (a new episode): a zero mean and a new noise stream.
    public func reset(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        for i in mean.indices { mean[i] = 0 }
    }

    /// The result of one plan: the best sequence scored (`horizon` actions, x and y each) and its cost.
    public struct Plan {
        public var actions: [Float]
        public var cost: Float
    }

    /// Optimises a sequence. `evaluate` scores S sequences [S, horizon, 2] and returns S costs (lower is better).
    /// Returns the best sequence any round scored (so what is executed is exactly what was scored), and starts the
    /// next call from it shifted by one action.
    public func plan(_ evaluate: ([Float], Int) throws -> [Float]) rethrows -> Plan {
        let s = settings, h = s.horizon * Self.actionWidth, n = s.samples
        var std = [Float](repeating: s.initialStd, count: h)
        var samples = [Float](repeating: 0, count: n * h)
        var best = Plan(actions: mean, cost: .infinity)
        for _ in 0..<s.iterations {
            for i in 0..<n {
                for j in 0..<h {
                    let noise: Float = i == 0 ? 0 : rng.normal()
                    samples[i * h + j] = min(1, max(-1, mean[j] + std[j] * noise))
                }
            }
            let costs = try evaluate(samples, n)
            precondition(costs.count == n, "evaluate must return one cost per sample")
            let order = costs.indices.sorted { Self.rank(costs[$0]) < Self.rank(costs[$1]) }
            if Self.rank(costs[order[0]]) < Self.rank(best.cost) || best.cost.isInfinite && !costs[order[0]].isNaN {
                best = Plan(actions: Array(samples[(order[0] * h)..<((order[0] + 1) * h)]), cost: costs[order[0]])
            }
            switch s.kind {
            case .cem:
                let k = max(1, Int((Double(n) * s.eliteFraction).rounded()))
                for j in 0..<h {
                    var m: Float = 0
                    for e in order.prefix(k) { m += samples[e * h + j] }
                    m /= Float(k)
                    var v: Float = 0
                    for e in order.prefix(k) { let d = samples[e * h + j] - m; v += d * d }
                    mean[j] = m
                    std[j] = max(s.minimumStd, (v / Float(k)).squareRoot())
                }
            case .mppi:
                let lowest = Self.rank(costs[order[0]])
                var weights = costs.map { $0.isFinite ? expf(-($0 - lowest) / s.temperature) : 0 }
                let total = weights.reduce(0, +)
                guard total > 0 else { continue }
                for i in weights.indices { weights[i] /= total }
                for j in 0..<h {
                    var m: Float = 0
                    for i in 0..<n { m += weights[i] * samples[i * h + j] }
                    mean[j] = m
                }
            }
        }
        // Warm start: the chosen sequence without its first action, its last action repeated.
        let w = Self.actionWidth
        for j in 0..<h { mean[j] = best.actions[min(j + w, h - w + j % w)] }
        return best
    }

    /// NaN ranks last.
    private static func rank(_ c: Float) -> Float { c.isNaN ? .infinity : c }
}
