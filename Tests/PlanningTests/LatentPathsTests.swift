import Foundation
import Observation
import Physics
import WorldModel
import XCTest
@testable import Planning

/// The shipped push model as path predictor: what it reads from latents must match the true state.
final class LatentPathsTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func model() throws -> TrainedModel {
        try TrainedModel.load(checkpoint: Self.packageRoot.appendingPathComponent("Assets/models/push.safetensors"))
    }

    func testItReadsTheGoalTheBodyAndTheActorFromLatentsWithinHalfAMetre() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let m = try model()
        let runner = try PlanRunner(task: task, resolution: m.info.height)
        let paths = try LatentPaths(model: m, task: task, frameShape: [m.info.height, m.info.width, m.info.channels])
        for e in runner.episodes(base: 31, count: 4) {
            runner.stream.reset(seed: e.seed)
            let s = Array(runner.stream.states)
            try paths.begin(episode: e, frame: Array(runner.stream.frame), states: s,
                            goalFrame: task.goalFrame(stream: runner.stream, episode: e))
            XCTAssertLessThan(Geometry.length(paths.goal - e.goal), 0.5, "goal read \(paths.goal), true \(e.goal)")
            // One step of zero action: the path's first point is where the bodies are (they start at rest).
            let p = try paths.paths(actions: [0, 0], samples: 1, steps: 1)
            XCTAssertLessThan(Geometry.length(SIMD2(p[0], p[1]) - SIMD2(s[6 * task.actorRow], s[6 * task.actorRow + 1])), 0.5)
            XCTAssertLessThan(Geometry.length(SIMD2(p[2], p[3]) - SIMD2(s[6 * task.pushedRow], s[6 * task.pushedRow + 1])), 0.5)
            XCTAssertGreaterThan(paths.bodyWeights.max()!, 0.9, "one map holds the block")
        }
    }

    /// Paths after committed actions continue from where those actions lead: the same as rolling the committed actions
    /// as the start of every sequence (up to the batch's rounding), with the committed part the same in every sample.
    func testAPrefixIsRolledOnceAndEverySequenceContinuesFromIt() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let m = try model()
        let runner = try PlanRunner(task: task, resolution: m.info.height)
        let paths = try LatentPaths(model: m, task: task, frameShape: [m.info.height, m.info.width, m.info.channels])
        let e = runner.episodes(base: 32, count: 1)[0]
        runner.stream.reset(seed: e.seed)
        try paths.begin(episode: e, frame: Array(runner.stream.frame), states: Array(runner.stream.states),
                        goalFrame: task.goalFrame(stream: runner.stream, episode: e))
        let prefix: [Float] = [1, 0, 1, 0, 0.5, 0.5], p = 3, t = 4, s = 2
        let sequences: [Float] = [0, 1, 0, 1, 0, 1, 0, 1,   -1, 0, -1, 0, -1, 0, -1, 0]
        let out = try paths.paths(prefix: prefix, actions: sequences, samples: s, steps: t)
        XCTAssertEqual(out.count, s * (p + t) * 4)
        XCTAssertEqual(Array(out[0..<(p * 4)]), Array(out[((p + t) * 4)..<((2 * p + t) * 4)]), "one committed lead for all")
        for i in 0..<s {
            let whole = prefix + Array(sequences[(i * t * 2)..<((i + 1) * t * 2)])
            let direct = try paths.paths(actions: whole, samples: 1, steps: p + t)
            for (a, b) in zip(out[(i * (p + t) * 4)..<((i + 1) * (p + t) * 4)], direct) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        }
    }

    /// What planning depends on: mid-push (after 30 observations of the scripted controller, on held-out starts), 12
    /// observations of full force into the block move it in the shipped model's imagination about as far as in the
    /// simulator, and backing away leaves it where the simulator does (sliding on a little). A model that lets the
    /// block trail a pusher that backs away steers the planner into pulling.
    func testInTheShippedModelAPusherPushesTheBlockAndNeverDragsIt() throws {
        let task = try PushTask(scene: Scene.load("push"))
        let m = try model()
        let runner = try PlanRunner(task: task, resolution: m.info.height)
        let model = try LatentPaths(model: m, task: task, frameShape: [m.info.height, m.info.width, m.info.channels])
        let simulator = try SimulatorPaths(task: task)
        var imagined = (push: Float(0), back: Float(0)), real = (push: Float(0), back: Float(0))
        let episodes = runner.episodes(base: 4242, count: 8)
        for e in episodes {
            let stream = runner.stream
            stream.reset(seed: e.seed)
            try model.begin(episode: e, frame: Array(stream.frame), states: Array(stream.states),
                            goalFrame: task.goalFrame(stream: stream, episode: e))
            try simulator.begin(episode: e, frame: Array(stream.frame), states: Array(stream.states), goalFrame: [])
            for _ in 0..<30 {
                let a = stream.world.pushSteering(toward: e.goal)
                [a.x, a.y].withUnsafeBufferPointer { stream.step(action: $0) }
                try model.observe(frame: Array(stream.frame), states: Array(stream.states), action: a)
                try simulator.observe(frame: Array(stream.frame), states: Array(stream.states), action: a)
            }
            let s = Array(stream.states)
            let towards = SIMD2(s[6 * task.pushedRow] - s[6 * task.actorRow], s[6 * task.pushedRow + 1] - s[6 * task.actorRow + 1])
            let u = towards / Geometry.length(towards)
            let actions: [Float] = (0..<12).flatMap { _ in [u.x, u.y] } + (0..<12).flatMap { _ in [-u.x, -u.y] }
            for (predictor, isModel) in [(model as PathPredictor, true), (simulator, false)] {
                let p = try predictor.paths(actions: actions, samples: 2, steps: 12)
                // The block's move along u from the first imagined observation to the last, per sequence.
                let moved = (0..<2).map { i -> Float in
                    let a = (i * 12) * 4, b = (i * 12 + 11) * 4
                    return (p[b + 2] - p[a + 2]) * u.x + (p[b + 3] - p[a + 3]) * u.y
                }
                if isModel { imagined.push += moved[0]; imagined.back += moved[1] } else { real.push += moved[0]; real.back += moved[1] }
            }
        }
        let n = Float(episodes.count)
        XCTAssertGreaterThan(real.push / n, 0.2, "the episodes are mid-push: the simulator moves the block")
        XCTAssertGreaterThan(imagined.push, 0.5 * real.push, "pushing moves the imagined block (\(imagined.push / n) m, true \(real.push / n) m)")
        XCTAssertEqual(imagined.back / n, real.back / n, accuracy: 0.1,
                       "backing away leaves the block where the simulator does (\(imagined.back / n) m, true \(real.back / n) m)")
    }

    func testAModelOfAnotherSceneIsRefusedByName() throws {
        let bounce = try TrainedModel.load(checkpoint: Self.packageRoot.appendingPathComponent("Assets/default-model.safetensors"))
        let task = try PushTask(scene: Scene.load("push"))
        XCTAssertThrowsError(try LatentPaths(model: bounce, task: task, frameShape: [64, 64, 3])) { error in
            XCTAssertTrue("\(error)".contains("model of scene bounce, not push"), "\(error)")
        }
    }

    func testTheCostPrefersTheBodyAtTheGoalAndTheActorBehindIt() {
        let cost = PushCost(), goal = SIMD2<Float>(10, 0)
        // Two one-step paths: body at the goal vs 3 m short; actor behind the body (on the far side from the goal).
        let paths: [Float] = [6, 0, 9.9, 0,   3, 0, 7, 0]
        let c = cost(paths: paths, samples: 2, steps: 1, goal: goal)
        XCTAssertLessThan(c[0], c[1])
        // Same body, actor behind it vs on the goal side: behind costs less.
        let sides: [Float] = [3, 0, 5, 0,   7, 0, 5, 0]
        let d = cost(paths: sides, samples: 2, steps: 1, goal: goal)
        XCTAssertLessThan(d[0], d[1])
        XCTAssertEqual(d[0], 2 * 5, accuracy: 1e-5, "actor exactly `contact` behind: only the distance counts (mean + last)")
    }
}
