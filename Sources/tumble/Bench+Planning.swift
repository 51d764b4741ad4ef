import Foundation
import Planning

extension BenchSuite {
    /// The push planner with the shipped push model: what goal mode and `tumble plan` spend per action.
    static var planning: BenchSuite { BenchSuite(name: "plan", run: PlanningBench.run) }
}

/// `tumble plan` as a user runs it (`PlanSession`, the default CEM budget, the model controller only) on a few held-out
/// push episodes of 30 observations each: the median and 95th-percentile planning time per action over all plans.
enum PlanningBench {
    static let episodes = 4, observations = 30

    static func run() throws -> [BenchFigure] {
        guard let model = shippedAsset("Assets/models/push.safetensors") else {
            throw ValidationErrorPassthrough(message: "tumble bench --only plan needs Assets/models/push.safetensors from the checkout; run it from there")
        }
        var request = PlanRequest(checkpoint: model.path, scene: "push", episodes: episodes, seed: 7373)
        request.stepBudget = observations
        request.controllers = [.model]
        let summary = try PlanSession.run(request, json: nil, tumbleVersion: TumbleVersion.string).summary(.model)
        guard let median = summary?.msPerActionMedian, let p95 = summary?.msPerActionP95 else {
            throw ValidationErrorPassthrough(message: "tumble bench --only plan: the planner made no plans in \(episodes) episodes, so there is no time per action to report")
        }
        let what = "\(episodes) held-out push episodes of \(observations) observations, shipped push model, 48 samples × 2 rounds"
        return [BenchFigure(key: "plan_ms_per_action.median", value: median, unit: "ms per action (plan time ÷ 3 held observations), \(what)"),
                BenchFigure(key: "plan_ms_per_action.p95", value: p95, unit: "ms per action, 95th percentile over the same plans")]
    }
}
