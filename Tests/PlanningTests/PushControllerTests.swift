import Observation
import Physics
import XCTest
@testable import Planning

final class PushControllerTests: XCTestCase {
    func testTheSimulatorPredictsExactlyWhatTheWorldDoesFromTheStart() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let runner = try PlanRunner(task: task, resolution: 32)
        let e = runner.episodes(base: 11, count: 1)[0]
        runner.stream.reset(seed: e.seed)
        let sim = try SimulatorPaths(task: task)
        try sim.begin(episode: e, frame: Array(runner.stream.frame), states: Array(runner.stream.states), goalFrame: [])
        XCTAssertEqual(sim.goal, e.goal)
        let steps = 20
        let actions = (0..<steps).flatMap { i -> [Float] in [Float(i % 5) / 5 - 0.2, 0.7] }
        let paths = try sim.paths(actions: actions, samples: 1, steps: steps)
        for j in 0..<steps {
            actions[(2 * j)..<(2 * j + 2)].withUnsafeBufferPointer { runner.stream.step(action: $0) }
            let s = runner.stream.states
            XCTAssertEqual(paths[4 * j], s[6 * task.actorRow], accuracy: 1e-4)
            XCTAssertEqual(paths[4 * j + 3], s[6 * task.pushedRow + 1], accuracy: 1e-4)
        }
    }

    func testTheScriptedControllerReachesGoalsAndRandomActionsRarelyDo() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let runner = try PlanRunner(task: task, resolution: 32)
        let episodes = runner.episodes(base: 12, count: 6)
        let scripted = PushController(kind: .scripted, task: task, settings: PlannerSettings(), predictor: nil)
        let random = PushController(kind: .random, task: task, settings: PlannerSettings(), predictor: nil)
        var wins = (scripted: 0, random: 0)
        for e in episodes {
            let s = try runner.run(scripted, episode: e, budget: 300)
            if s.success { wins.scripted += 1; XCTAssertLessThanOrEqual(s.finalDistance, 1) }
            XCTAssertTrue(s.planMilliseconds.isEmpty)
            if try runner.run(random, episode: e, budget: 300).success { wins.random += 1 }
        }
        XCTAssertGreaterThanOrEqual(wins.scripted, 5)
        XCTAssertLessThanOrEqual(wins.random, 1)
    }

    func testPlanningWithTheSimulatorReachesTheGoalAndRecordsItsPlans() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let runner = try PlanRunner(task: task, resolution: 32)
        let e = runner.episodes(base: 13, count: 1)[0]
        let controller = PushController(kind: .simulator, task: task, settings: PlannerSettings(), predictor: try SimulatorPaths(task: task))
        var watched = 0
        let outcome = try runner.run(controller, episode: e, budget: 300) { _ in watched += 1 }
        XCTAssertTrue(outcome.success, "final distance \(outcome.finalDistance)")
        XCTAssertEqual(watched, outcome.steps)
        let r = PlannerSettings().actionRepeat
        XCTAssertEqual(outcome.planMilliseconds.count, (outcome.steps + r - 1) / r, "one plan per held action")
        let plan = try XCTUnwrap(controller.lastPlan)
        XCTAssertEqual(plan.path.count, PlannerSettings().lookahead * 4)
        XCTAssertEqual(plan.goal, e.goal)
        // Same seed, same episode: the same outcome.
        XCTAssertEqual(try runner.run(controller, episode: e, budget: 300).steps, outcome.steps)
    }
}
