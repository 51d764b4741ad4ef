import CSDL2
import Foundation
import Observation
import Physics
import Planning
@testable import Viewer
import XCTest

/// Goal mode (G, `--goal X,Y`): the world model plans the pusher's actions towards a goal for the pushed body, and
/// the window draws the goal, the plan's imagined path and the planner's numbers.
final class GoalModeTests: XCTestCase {
    /// A push scene in the window with a small, untrained model of it, and a planner small enough for tests.
    private func goalViewer(_ model: TrainedModelAdapter, width: Int = 960, height: Int = 540) throws -> Viewer {
        let v = try TestScenes.viewer(scene: 1, model: .model(model), width: width, height: height)
        v.sandbox.plannerSettings.samples = 8
        v.sandbox.plannerSettings.horizon = 2
        v.sandbox.plannerSettings.iterations = 1
        return v
    }

    private func pushModel() throws -> TrainedModelAdapter {
        try TrainedModelAdapter(learningFromScratch: try TestScenes.scene(TestScenes.push), config: try LiveLearningTests.tinyConfig())
    }

    func testGoalFlagErrorsNameTheFlagAndWhatWasExpected() throws {
        let push = try TestScenes.scene(TestScenes.push), bounce = try TestScenes.scene(TestScenes.bounce)
        XCTAssertEqual(try GoalOption.parse("14,14", scene: push), SIMD2(14, 14))
        XCTAssertEqual(try GoalOption.parse(" 3.5 , 16 "), SIMD2(3.5, 16))
        for bad in ["14", "14,", "14,14,2", "a,b", "nan,3", ""] {
            XCTAssertThrowsError(try GoalOption.parse(bad), bad) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains("--goal expects X,Y in world units"), text)
                XCTAssertTrue(text.contains("got '\(bad)'"), text)
            }
        }
        XCTAssertThrowsError(try GoalOption.parse("30,14", scene: push)) { e in
            XCTAssertEqual("\(e)", "--goal 30,14 lies outside push's world: expected x in 0…20 and y in 0…20")
        }
        XCTAssertThrowsError(try GoalOption.parse("14,-1", scene: push)) { e in XCTAssertTrue("\(e)".contains("outside"), "\(e)") }
        XCTAssertThrowsError(try GoalOption.parse("14,14", scene: bounce)) { e in
            XCTAssertTrue("\(e)".hasPrefix("--goal: scene bounce cannot be planned in"), "\(e)")
        }
        // A window asked to start in goal mode on a scene or model that cannot plan refuses to open, saying why.
        var o = ViewerOptions(scenes: try TestScenes.all, sceneIndex: 1, seed: 7, model: .kinematicBaseline)
        o.frames = 1; o.goal = SIMD2(14, 14)
        XCTAssertThrowsError(try Viewer(options: o)) { e in
            XCTAssertTrue("\(e)".contains("--goal: goal mode plans with a trained world model of push"), "\(e)")
        }
    }

    func testGOnASceneWithoutAnActorSaysItCannotBePlannedIn() throws {
        let v = try TestScenes.viewer(scene: 0, model: .kinematicBaseline)   // bounce: balls, no actor
        SyntheticInput.key(SDLK_g)
        v.pollEvents()
        XCTAssertFalse(v.goalModeOn)
        XCTAssertNil(v.sandbox.goalRun)
        let flash = try XCTUnwrap(v.flash)
        XCTAssertEqual(flash.text, "scene bounce cannot be planned in: goal mode needs an actor that pushes a body (as in push)")
        XCTAssertEqual(flash.color, Theme.warning)
        // A click in the world still pulls a body (no goal is placed) and the world keeps running.
        for _ in 0..<8 { v.advance(seconds: 1.0 / 60) }
        _ = try v.render()
        XCTAssertThrowsError(try v.sandbox.startGoal(at: SIMD2(10, 10))) { e in
            XCTAssertEqual(e as? GoalError, GoalError.unsupported(v.sandbox.scene))
        }
        XCTAssertTrue(v.running)
    }

    /// G, a click in the world, then the window runs: the model's planner steers the pusher (not the recording
    /// policy), its imagined path and the goal are drawn, and G leaves goal mode.
    func testHeadlessGoalModePlansStepsAndDrawsThePath() throws {
        let model = try pushModel()
        let v = try goalViewer(model, width: 1280, height: 720)
        _ = try v.render()
        SyntheticInput.key(SDLK_g)
        v.pollEvents()
        XCTAssertTrue(v.placingGoal)
        let t = try XCTUnwrap(v.lastTransform)
        let goal = SIMD2<Float>(14, 5)
        let click = t.screen(goal)
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: click.x, y: click.y)
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: click.x, y: click.y)
        v.pollEvents()
        let run = try XCTUnwrap(v.sandbox.goalRun)
        XCTAssertFalse(v.placingGoal)
        XCTAssertEqual(run.goal.x, goal.x, accuracy: 1 / t.scale + 1e-3)
        XCTAssertEqual(run.goal.y, goal.y, accuracy: 1 / t.scale + 1e-3)
        XCTAssertNil(v.drag, "a click in goal mode places the goal, it does not steer")

        // Ten observations: the controller begins on the first; from step 2 on, every `actionRepeat` steps an action
        // starts being held and the plan for the next one is started; each is collected by the step that holds it.
        let settings = v.sandbox.plannerSettings
        for _ in 0..<40 { v.advance(seconds: 1.0 / 60) }
        XCTAssertEqual(v.sandbox.tick, 10)
        let plan = try XCTUnwrap(run.lastPlan, "no plan after 10 observations in goal mode")
        XCTAssertEqual(run.plans, (10 - 2) / settings.actionRepeat)
        XCTAssertEqual(plan.steps, settings.actionRepeat + settings.lookahead, "the held action's observations, then the plan's")
        XCTAssertEqual(plan.path.count, plan.steps * 4)
        // The step's action is the planner's held action, not the recording policy's.
        XCTAssertEqual(v.sandbox.lastAction, v.sandbox.userAction)
        let summary = try XCTUnwrap(v.sandbox.goalSummary)
        XCTAssertEqual(summary.plans, run.plans)
        let distance = v.sandbox.states.withUnsafeBufferPointer { run.task.distance(states: $0, episode: run.episode) }
        XCTAssertEqual(summary.distance, distance, accuracy: 1e-5)

        _ = try v.render()
        let px = try Pixels(v)
        func near(_ p: SIMD2<Float>, _ c: RGBA, radius: Int, tolerance: Int = 40) -> Int {
            var n = 0
            for dy in -radius...radius { for dx in -radius...radius {
                let d = px.at(p + SIMD2(Float(dx), Float(dy))) &- SIMD3(Int(c.r), Int(c.g), Int(c.b))
                if max(abs(d.x), abs(d.y), abs(d.z)) < tolerance { n += 1 }
            } }
            return n
        }
        // The plan's dots (one per predicted observation) in the plan colour, wherever the model imagines the body.
        let path = try XCTUnwrap(run.imaginedPath)
        let dots = path.body.filter { near(t.screen($0), Theme.plan, radius: 2) > 0 }.count
        XCTAssertGreaterThanOrEqual(dots, path.body.count - 1, "imagined path not drawn in the plan colour")
        // The goal: its centre dot and the success circle of 1 m in the goal colour.
        XCTAssertGreaterThan(near(t.screen(goal), Theme.goal, radius: 2), 0, "goal centre not drawn")
        XCTAssertGreaterThan(near(t.screen(goal + SIMD2(run.task.successRadius, 0)), Theme.goal, radius: 2, tolerance: 90), 0,
                             "success circle not drawn")

        // G leaves goal mode: the policy drives the actor again.
        SyntheticInput.key(SDLK_g)
        v.pollEvents()
        XCTAssertFalse(v.goalModeOn)
        XCTAssertNil(v.sandbox.userAction)
        XCTAssertTrue(v.running)
    }

    /// Plans are made on a worker thread while the held action steps the world, and the episode goes exactly as a
    /// controller that plans in line (`tumble plan`'s loop) on the same observations: same actions, same plans, same
    /// imagined paths.
    func testPlansMadeAheadOnTheWorkerMatchPlanningInLine() throws {
        let push = try TestScenes.scene(TestScenes.push)
        let model = try pushModel()
        let v = try goalViewer(model, width: 640, height: 480)
        let settings = v.sandbox.plannerSettings
        try v.sandbox.startGoal(at: SIMD2(14, 5))
        let run = try XCTUnwrap(v.sandbox.goalRun)
        var windowActions: [SIMD2<Float>] = [], inFlightAfter: [Bool] = []
        for _ in 0..<12 {
            v.sandbox.step()
            windowActions.append(SIMD2(v.sandbox.lastAction[0], v.sandbox.lastAction[1]))
            inFlightAfter.append(run.isPlanning)
        }
        // After observation 1 the controller begins. Step 2 starts holding rest and the first plan, for step 5, on the
        // worker; from then on a plan is always in flight: each is collected by the step that holds its action (5, 8,
        // 11), which starts the next.
        XCTAssertEqual(inFlightAfter, (1...12).map { $0 >= 2 })
        XCTAssertEqual(Array(windowActions[0..<(1 + settings.actionRepeat)]), Array(repeating: SIMD2<Float>(0, 0), count: 1 + settings.actionRepeat))

        // The same episode with the controller planning in line, on a model copy of its own.
        let task = try PushTask(scene: push)
        let stream = try ObservationStream(scene: push, resolution: model.model.info.height)
        stream.reset(seed: v.sandbox.seed)
        let paths = try LatentPaths(model: try model.model.copy(), task: task, frameShape: stream.frameShape)
        let inLine = PushController(kind: .model, task: task, settings: settings, predictor: paths)
        var lineActions: [SIMD2<Float>] = [[0, 0]]
        [Float](repeating: 0, count: 2).withUnsafeBufferPointer { stream.step(action: $0) }
        try inLine.begin(episode: run.episode, stream: stream)
        for _ in 1..<12 {
            let a = try inLine.action(stream: stream)
            try inLine.planIfDue()
            lineActions.append(a)
            [a.x, a.y].withUnsafeBufferPointer { stream.step(action: $0) }
            try inLine.observe(stream: stream, action: a)
        }
        XCTAssertEqual(windowActions, lineActions)
        try run.finishPlanning()
        XCTAssertEqual(run.plans, inLine.planMilliseconds.count)
        XCTAssertEqual(run.lastPlan?.path, inLine.lastPlan?.path)
        XCTAssertEqual(run.lastPlan?.cost, inLine.lastPlan?.cost)
        // Leaving goal mode with a plan in flight waits for it; nothing is left running on the model.
        v.sandbox.step()
        XCTAssertFalse(run.isPlanning, "step 13 holds step 11's action: no plan starts")
        v.sandbox.step()
        XCTAssertTrue(run.isPlanning, "step 14 starts holding a new action and the plan after it")
        v.sandbox.stopGoal()
        XCTAssertNil(v.sandbox.goalRun)
    }

    /// A window never waits for the planner: the world steps at its rate while a plan is made, and only if the plan
    /// the next step needs is still unfinished do the frames go on with the world held; once it is in the world steps.
    func testTheWorldHoldsOnlyWhenTheNextStepNeedsAnUnfinishedPlan() throws {
        let model = try pushModel()
        let v = try goalViewer(model, width: 640, height: 480)
        v.holdsForPlanner = true
        try v.sandbox.startGoal(at: SIMD2(14, 5))
        let run = try XCTUnwrap(v.sandbox.goalRun)
        let r = v.sandbox.plannerSettings.actionRepeat
        // Keep the worker busy, so the first plan (started by step 2, needed by step 2 + r) cannot finish until released.
        let release = DispatchSemaphore(value: 0)
        PlanJob.worker.async { release.wait() }
        for _ in 0..<(4 * (1 + r)) { v.advance(seconds: 1.0 / 60) }
        XCTAssertEqual(v.sandbox.tick, 1 + r, "the held action stepped the world while the plan was made")
        XCTAssertTrue(run.planPending)
        for _ in 0..<12 { v.advance(seconds: 1.0 / 60) }
        XCTAssertEqual(v.sandbox.tick, 1 + r, "the world stepped without its plan")
        release.signal()
        try run.finishPlanning()
        XCTAssertFalse(run.planPending)
        v.advance(seconds: 1.0 / 60)
        XCTAssertEqual(v.sandbox.tick, 2 + r, "held for at most one observation interval, the world steps once the plan is in")
        XCTAssertEqual(run.plans, 1)
    }

    /// The goal panel beside the Tab panels, the probe table and the timeline, placing and planning, at every window
    /// size: no text overlaps, all of it inside the window.
    func testGoalPanelTextKeepsApartFromTheOtherPanelsAtEverySize() throws {
        let model = try pushModel()
        for (w, h) in TextLayoutTests.sizes {
            let v = try goalViewer(model, width: w, height: h)
            v.toggleGoalMode()
            XCTAssertTrue(v.placingGoal)
            v.showPanels = true
            v.showProbe = true
            for placed in [false, true] {
                if placed {
                    try v.sandbox.startGoal(at: SIMD2(14, 5))
                    v.placingGoal = false
                    for _ in 0..<24 { v.advance(seconds: 1.0 / 60) }
                    XCTAssertNotNil(v.sandbox.goalRun?.lastPlan)
                    v.togglePause()
                    v.stepBack()
                }
                v.canvas.textBoxes = []
                _ = try v.render()
                let boxes = try XCTUnwrap(v.canvas.textBoxes)
                v.canvas.textBoxes = nil
                if w >= 960 {
                    XCTAssertTrue(boxes.contains { $0.text.hasPrefix("GOAL MODE") }, "\(w)×\(h): no goal panel")
                }
                for p in TextLayoutTests.problems(boxes, width: w, height: h) {
                    XCTFail("\(w)×\(h) goal \(placed ? "planning" : "placing"): \(p)")
                }
            }
        }
    }

    /// Esc leaves goal mode instead of closing the window; a reset keeps the goal and the controller begins again.
    func testEscLeavesGoalModeAndResetKeepsTheGoal() throws {
        let model = try pushModel()
        let v = try goalViewer(model)
        try v.sandbox.startGoal(at: SIMD2(4, 15))
        for _ in 0..<3 { v.stepWorld() }
        XCTAssertEqual(v.sandbox.goalRun?.started, true)
        v.resetWithNewSeed()
        let run = try XCTUnwrap(v.sandbox.goalRun)
        XCTAssertFalse(run.started)
        XCTAssertEqual(run.goal, SIMD2(4, 15))
        v.stepWorld()
        XCTAssertTrue(run.started)
        SyntheticInput.key(SDLK_ESCAPE)
        v.pollEvents()
        XCTAssertTrue(v.running, "Esc in goal mode must leave goal mode, not quit")
        XCTAssertFalse(v.goalModeOn)
        SyntheticInput.key(SDLK_ESCAPE)
        v.pollEvents()
        XCTAssertFalse(v.running)
    }
}
