import Observation
import Physics
import XCTest
@testable import Planning

final class PushControllerTests: XCTestCase {
    /// The first episode of seed base `base`, its stream at the start, and the simulator as path predictor begun there.
    private func simulatorAtStart(base: UInt64) throws -> (PushTask, PlanRunner, PushEpisode, SimulatorPaths) {
        let task = try PushTask(scene: Scene.load("push"))
        let runner = try PlanRunner(task: task, resolution: 32)
        let e = runner.episodes(base: base, count: 1)[0]
        runner.stream.reset(seed: e.seed)
        let sim = try SimulatorPaths(task: task)
        try sim.begin(episode: e, frame: Array(runner.stream.frame), states: Array(runner.stream.states), goalFrame: [])
        return (task, runner, e, sim)
    }

    func testTheSimulatorPredictsExactlyWhatTheWorldDoesFromTheStart() throws {
        let (task, runner, e, sim) = try simulatorAtStart(base: 11)
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

    func testCommittedActionsLeadEveryPathExactly() throws {
        let (_, _, _, sim) = try simulatorAtStart(base: 14)
        let prefix: [Float] = [0.9, -0.2, 0.9, -0.2], sequences: [Float] = [0, 1, 0, 1, 0, 1,   -1, 0, 1, 0, 0.3, 0.3]
        let out = try sim.paths(prefix: prefix, actions: sequences, samples: 2, steps: 3)
        for i in 0..<2 {
            let direct = try sim.paths(actions: prefix + Array(sequences[(6 * i)..<(6 * i + 6)]), samples: 1, steps: 5)
            XCTAssertEqual(Array(out[(20 * i)..<(20 * i + 20)]), direct, "sample \(i)")
        }
    }

    /// Each plan is made when an action starts being held, for the action after it: the episode opens with rest while
    /// the first plan is made, each plan's path starts with the held action, and the action held next is the plan's.
    func testThePlannerWorksOneHeldActionAhead() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let runner = try PlanRunner(task: task, resolution: 32)
        let e = runner.episodes(base: 15, count: 1)[0]
        let settings = PlannerSettings(), r = settings.actionRepeat
        let controller = PushController(kind: .simulator, task: task, settings: settings, predictor: try SimulatorPaths(task: task))
        runner.stream.reset(seed: e.seed)
        try controller.begin(episode: e, stream: runner.stream)
        var actions: [SIMD2<Float>] = [], planned: [SIMD2<Float>] = []
        for step in 0..<(3 * r) {
            XCTAssertEqual(controller.needsPlanAtNextAction, step % r == 0)
            let a = try controller.action(stream: runner.stream)
            XCTAssertEqual(controller.planDue, step % r == 0, "a plan is due when an action starts being held")
            if step % r == 0 {
                let before = runner.stream.states
                try controller.planIfDue()
                let plan = try XCTUnwrap(controller.lastPlan)
                XCTAssertEqual(plan.steps, r + settings.lookahead)
                // The path's first observations are the held action's: the simulator stepped with it from here.
                let lead = try SimulatorPaths(task: task)
                try lead.begin(episode: e, frame: [], states: Array(before), goalFrame: [])
                let held = try lead.paths(actions: (0..<r).flatMap { _ in [a.x, a.y] }, samples: 1, steps: r)
                XCTAssertEqual(Array(plan.path[0..<(4 * r)]), held)
                planned.append(try XCTUnwrap(controller.next, "the plan's first action, held next"))
            }
            actions.append(a)
            [a.x, a.y].withUnsafeBufferPointer { runner.stream.step(action: $0) }
            try controller.observe(stream: runner.stream, action: a)
        }
        XCTAssertEqual(Array(actions[0..<r]), Array(repeating: SIMD2<Float>(0, 0), count: r), "the episode opens with rest")
        XCTAssertEqual(Array(actions[r..<(2 * r)]), Array(repeating: planned[0], count: r), "then holds the first plan's action")
        XCTAssertEqual(Array(actions[(2 * r)..<(3 * r)]), Array(repeating: planned[1], count: r))
        XCTAssertNotEqual(planned[0], SIMD2<Float>(0, 0))
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
        XCTAssertEqual(plan.path.count, (PlannerSettings().actionRepeat + PlannerSettings().lookahead) * 4)
        XCTAssertEqual(plan.goal, e.goal)
        // Same seed, same episode: the same outcome.
        XCTAssertEqual(try runner.run(controller, episode: e, budget: 300).steps, outcome.steps)
    }
}
