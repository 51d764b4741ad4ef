import XCTest
@testable import Planning

final class SamplingPlannerTests: XCTestCase {
    /// Cost: squared distance of every action from a target sequence; both planners must find it.
    private func quadratic(_ target: [Float]) -> ([Float], Int) -> [Float] {
        { samples, n in
            var costs = [Float](repeating: 0, count: n)
            for i in 0..<n { for (j, t) in target.enumerated() { let d: Float = samples[i * target.count + j] - t; costs[i] += d * d } }
            return costs
        }
    }

    func testBothPlannersFindTheMinimumOfAQuadraticCost() {
        let target: [Float] = [0.5, -0.3, 0.8, 0.1, -0.6, 0.4]
        for kind in PlannerKind.allCases {
            var s = PlannerSettings()
            s.kind = kind; s.samples = 200; s.horizon = 3; s.iterations = 8
            let planner = SamplingPlanner(settings: s, seed: 7)
            let plan = planner.plan(quadratic(target))
            XCTAssertEqual(plan.actions.count, 6)
            XCTAssertLessThan(plan.cost, 0.02, "\(kind): cost \(plan.cost)")
            for (a, t) in zip(plan.actions, target) { XCTAssertEqual(a, t, accuracy: 0.12, "\(kind)") }
        }
    }

    func testActionsStayInTheUnitBoxAndTheChosenSequenceIsTheBestScored() {
        var s = PlannerSettings()
        s.samples = 50; s.horizon = 2; s.iterations = 3
        let planner = SamplingPlanner(settings: s, seed: 1)
        var lowest = Float.infinity
        let plan = planner.plan { samples, n in
            XCTAssertTrue(samples.allSatisfy { $0 >= -1 && $0 <= 1 })
            // The optimum lies outside the box: the best the planner can do is the corner.
            var costs = [Float](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<4 { let d: Float = samples[i * 4 + j] - 3; costs[i] += d * d } }
            lowest = min(lowest, costs.min()!)
            return costs
        }
        XCTAssertEqual(plan.cost, lowest)
        XCTAssertTrue(plan.actions.allSatisfy { $0 > 0.5 })
    }

    func testSameSeedSamePlansAndWarmStartShiftsByOneAction() {
        var s = PlannerSettings()
        s.samples = 30; s.horizon = 3; s.iterations = 2
        let target: [Float] = [0.9, 0.9, -0.9, -0.9, 0.2, 0.2]
        let a = SamplingPlanner(settings: s, seed: 3), b = SamplingPlanner(settings: s, seed: 3)
        let first = a.plan(quadratic(target))
        XCTAssertEqual(first.actions, b.plan(quadratic(target)).actions)
        // The next plan's first sample is the previous plan shifted: the mean itself is always scored.
        var seen: [Float] = []
        _ = a.plan { samples, n in
            if seen.isEmpty { seen = Array(samples[0..<6]) }
            return [Float](repeating: 0, count: n)
        }
        XCTAssertEqual(Array(seen[0..<4]), Array(first.actions[2..<6]))
        XCTAssertEqual(Array(seen[4..<6]), Array(first.actions[4..<6]))
        a.reset(seed: 3); b.reset(seed: 3)
        XCTAssertEqual(a.plan(quadratic(target)).actions, b.plan(quadratic(target)).actions)
    }
}
