import Common
import Foundation
import WorldModel

/// One controller's numbers over a run's episodes.
public struct PlanSummary: Equatable, Sendable {
    public var episodes: Int
    public var successRate: Double
    /// Percentile bootstrap 95 % interval of the success rate over episodes (seeded, so a re-run repeats it).
    public var successCI95: [Double]
    /// Planning wall time per executed action (a plan's time over the observations its first action is held for):
    /// median and 95th percentile over plans; nil for controllers that do not plan.
    public var msPerActionMedian: Double?, msPerActionP95: Double?
    /// Median observations to success over the successful episodes (nil when none succeeded).
    public var stepsToSuccessMedian: Double?
    /// Median distance of the pushed body from the goal at the end, world units.
    public var finalDistanceMedian: Double

    public static let bootstrapSeed: UInt64 = 0x91A7_C195

    public init(_ outcomes: [EpisodeOutcome], actionRepeat: Int) {
        episodes = outcomes.count
        let wins = outcomes.map { $0.success ? 1.0 : 0.0 }
        successRate = wins.isEmpty ? .nan : wins.reduce(0, +) / Double(wins.count)
        successCI95 = Intervals.bootstrap95(count: wins.count, seed: Self.bootstrapSeed) { idx in
            idx.reduce(0) { $0 + wins[$1] } / Double(idx.count)
        }
        let perAction = outcomes.flatMap(\.planMilliseconds).map { $0 / Double(actionRepeat) }
        msPerActionMedian = perAction.isEmpty ? nil : Self.quantile(perAction, 0.5)
        msPerActionP95 = perAction.isEmpty ? nil : Self.quantile(perAction, 0.95)
        let steps = outcomes.filter(\.success).map { Double($0.steps) }
        stepsToSuccessMedian = steps.isEmpty ? nil : Self.quantile(steps, 0.5)
        finalDistanceMedian = Self.quantile(outcomes.map { Double($0.finalDistance) }, 0.5)
    }

    /// Linear-interpolation quantile (NumPy's default), NaN for no values.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted(), x = q * Double(s.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < s.count ? s[i] + f * (s[i + 1] - s[i]) : s[i]
    }

    func json(timing: Bool) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = [
            ("episodes", .number(Double(episodes))),
            ("success_rate", .finite(successRate)),
            ("success_ci95", .array(successCI95.map(JSONValue.finite))),
        ]
        if timing {
            out.append(("ms_per_action", .object([("median", msPerActionMedian.map(JSONValue.finite) ?? .null),
                                                  ("p95", msPerActionP95.map(JSONValue.finite) ?? .null)])))
        }
        out.append(("steps_to_success", .object([("median", stepsToSuccessMedian.map(JSONValue.finite) ?? .null)])))
        out.append(("final_distance", .object([("median", .finite(finalDistanceMedian))])))
        return out
    }
}
