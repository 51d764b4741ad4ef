import Foundation
import Observation
import Physics
import Planning

/// Goal mode in the simulation: the planner's action steers the actor as a user's drag would (so the lead world,
/// the model's imagination and a recording all see it), and every goal-mode step goes through the observation
/// stream itself, so the controller reads the very frame and states the stream renders (as in `PlanRunner.run`).
extension Sandbox {
    /// The task and the model's path predictor for planning in the current scene, or why there are none.
    func goalPlanner() throws -> (PushTask, LatentPaths) {
        let task: PushTask
        do { task = try PushTask(scene: scene) } catch { throw GoalError.unsupported(scene) }
        guard let adapter = model as? TrainedModelAdapter else {
            let shown = model.map { "the window shows " + $0.label } ?? "there is no model"
            throw GoalError("goal mode plans with a trained world model of \(scene.name); \(shown)")
        }
        do {
            // Its own copy of the model: it plans on a worker thread while the window runs the shown one.
            return (task, try LatentPaths(model: try adapter.model.copy(), task: task, frameShape: stream.frameShape))
        } catch {
            throw GoalError("goal mode: \(error)")
        }
    }

    /// Starts planning towards `goal` (the pushed body's centre, world units; its angle is free: the goal frame
    /// shows the body turned as it is now). Replaces any goal already set.
    func startGoal(at goal: SIMD2<Float>) throws {
        let (task, predictor) = try goalPlanner()
        let c = scene.cameraRect
        guard (c.minX...c.maxX).contains(goal.x), (c.minY...c.maxY).contains(goal.y) else {
            throw GoalError("the goal must lie inside the world")
        }
        guard position(of: task.pushedRow) != nil, position(of: task.actorRow) != nil else {
            throw GoalError("the pushed body or the actor is not in the world right now (reset with R)")
        }
        let episode = PushEpisode(seed: seed, goal: goal, goalAngle: states[6 * task.pushedRow + 2])
        let controller = PushController(kind: .model, task: task, settings: plannerSettings, predictor: predictor)
        goalRun = states.withUnsafeBufferPointer { GoalRun(task: task, controller: controller, episode: episode, states: $0) }
        userAction = nil
    }

    func stopGoal() {
        guard goalRun != nil else { return }
        goalRun = nil
        userAction = nil
    }

    /// The episode restarted or the world jumped along the timeline: the controller begins again at the next step,
    /// and whether the goal is reached is judged on the moment shown.
    func goalEpisodeChanged() {
        guard let g = goalRun else { return }
        do { try g.finishPlanning() } catch { failGoal(error); return }
        g.started = false
        g.reachedAtStep = nil
        states.withUnsafeBufferPointer { g.judge(states: $0, step: world.stepIndex) }
    }

    /// Before a goal-mode step: the planner's action (planning when the held one has run out) becomes the steering.
    /// Until the controller has begun, the actor rests for that one step.
    func goalActionBeforeStep() {
        guard let g = goalRun else { return }
        guard g.started else { userAction = [0, 0]; return }
        do {
            let a = try states.withUnsafeBufferPointer { try g.action(stream: stream, states: $0) }
            userAction = [a.x, a.y]
        } catch {
            failGoal(error)
        }
    }

    /// After a goal-mode step (the stream rendered it): the controller sees the observation, or begins on it.
    func goalAfterStep(action: [Float]) {
        guard let g = goalRun else { return }
        do {
            if g.started {
                try g.observe(stream: stream, action: SIMD2(action[0], action[1]))
            } else {
                try g.begin(stream: stream)
            }
        } catch {
            failGoal(error)
            return
        }
        states.withUnsafeBufferPointer { g.judge(states: $0, step: world.stepIndex) }
    }

    private func failGoal(_ error: Error) {
        stopGoal()
        goalNotice = "goal mode stopped: \(error)"
    }

    /// What the goal run came to, for the headless summary.
    var goalSummary: GoalSummary? {
        guard let g = goalRun else { return nil }
        return GoalSummary(goal: g.goal, distance: g.distance, successRadius: g.task.successRadius,
                           reachedAtStep: g.reachedAtStep, plans: g.plans, meanPlanMilliseconds: g.meanPlanMilliseconds)
    }
}
