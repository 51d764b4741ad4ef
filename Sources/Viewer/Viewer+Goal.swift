import Foundation
import Physics

/// Goal mode in the window: G, a click that places the goal, and what is drawn of it: the goal outline, the plan's
/// imagined path beside what happens, and a panel with the planner's cost, time, plan count and distance to goal.
extension Viewer {
    var goalModeOn: Bool { placingGoal || sandbox.goalRun != nil }

    /// G: wait for a click that places the goal, or leave goal mode. A scene or model that cannot be planned with
    /// says why in the HUD instead.
    func toggleGoalMode() {
        if goalModeOn { leaveGoalMode(); return }
        do {
            _ = try sandbox.goalPlanner()
            placingGoal = true
            drag = nil
            sandbox.userAction = nil
            say("goal mode: click in the world to place the \(goalBodyName)'s goal", Theme.goal)
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    func leaveGoalMode() {
        placingGoal = false
        sandbox.stopGoal()
        say("goal mode off: the scene's policy drives the actor again", Theme.text)
    }

    /// Places (or moves) the goal at world point `w`; the model plans from the next observation.
    func placeGoal(at w: SIMD2<Float>) {
        do {
            try sandbox.startGoal(at: w)
            placingGoal = false
            say(String(format: "goal at (%.1f, %.1f): the model plans the pusher's actions", w.x, w.y), Theme.goal)
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    /// After a step: what goal mode has to say (it stopped, or the goal was just reached).
    func goalStepped(wasReached: Bool) {
        if let notice = sandbox.goalNotice {
            sandbox.goalNotice = nil
            placingGoal = false
            say(notice, Theme.warning)
        }
        if let g = sandbox.goalRun, g.reached, !wasReached {
            say("goal reached at step \(g.reachedAtStep ?? 0) after \(g.plans) plans", Theme.goal)
        }
    }

    private var goalBodyName: String { sandbox.scene.actor?.policy.push ?? "body" }

    // MARK: drawing

    /// The goal: the pushed body's outline moved to the goal pose (filled once reached) with the success radius;
    /// the last plan's imagined path (body bold, actor thin, a dot per predicted observation) from where the bodies
    /// were when it was made, and the model's reading of the goal centre as a cross.
    func drawGoal(_ t: WorldTransform) {
        guard let g = sandbox.goalRun else { return }
        let s = sandbox, row = g.task.pushedRow
        let goal = g.goal
        if let now = s.position(of: row) {
            let turn = g.episode.goalAngle - s.states[6 * row + 2]
            for d in s.drawables where d.body == row {
                switch d.geometry {
                case let .polygon(points):
                    let moved = points.map { t.screen(goal + Self.rotate($0 - now, by: turn)) }
                    if g.reached { canvas.fillConvex(moved, color: Theme.goal.alpha(90)) }
                    canvas.strokePolyline(moved, closed: true, width: 2.5, color: Theme.goal)
                case let .circle(c, r, _):
                    let centre = t.screen(goal + Self.rotate(c - now, by: turn))
                    if g.reached { canvas.fillCircle(center: centre, radius: r * t.scale, color: Theme.goal.alpha(90)) }
                    canvas.strokeCircle(center: centre, radius: r * t.scale, width: 2.5, color: Theme.goal)
                case .segment: break
                }
            }
        }
        canvas.strokeCircle(center: t.screen(goal), radius: g.task.successRadius * t.scale, width: 1.5, color: Theme.goal.alpha(220))
        let c = t.screen(goal)
        canvas.fillCircle(center: c, radius: 3, color: Theme.goal)

        if let path = g.imaginedPath, let origin = g.planOrigin {
            let actor = ([origin.actor] + path.actor).map(t.screen), body = ([origin.body] + path.body).map(t.screen)
            // A dark casing under each line, so the path stays visible over the bodies it crosses.
            canvas.strokePolyline(actor, closed: false, width: 4, color: Theme.background.alpha(160))
            canvas.strokePolyline(body, closed: false, width: 6, color: Theme.background.alpha(160))
            canvas.strokePolyline(actor, closed: false, width: 1.5, color: Theme.plan.alpha(200))
            canvas.strokePolyline(body, closed: false, width: 3, color: Theme.plan)
            for p in actor.dropFirst() { canvas.fillCircle(center: p, radius: 2.5, color: Theme.plan.alpha(200)) }
            for p in body.dropFirst() { canvas.fillCircle(center: p, radius: 4, color: Theme.plan) }
            if let end = body.last { canvas.strokeCircle(center: end, radius: 8, width: 2, color: Theme.plan) }
        }
        if let read = g.lastPlan?.goal, read.x.isFinite, read.y.isFinite {
            let m = t.screen(read)
            canvas.line(m - SIMD2(6, 6), m + SIMD2(6, 6), width: 2, color: Theme.plan)
            canvas.line(m - SIMD2(6, -6), m + SIMD2(6, -6), width: 2, color: Theme.plan)
        }
    }

    /// Goal mode's panel at the world's top left (below the Tab panels when they are open): what to do, the
    /// distance to the goal, and the planner's cost, time per plan and plan count, with a colour key. Returns the
    /// rectangle it took (nil when not shown).
    @discardableResult
    func drawGoalPanel(_ area: Rect, below panels: Rect?) -> Rect? {
        guard goalModeOn else { return nil }
        let lh = fonts.small.lineHeight + 3
        var lines: [(String, RGBA, RGBA?)] = []   // text, colour, swatch
        if let g = sandbox.goalRun {
            lines.append(("GOAL MODE   click moves the goal · G or Esc leaves", Theme.dimText, nil))
            let radius = GoalOption.fmt(g.task.successRadius)
            if let at = g.reachedAtStep {
                lines.append((String(format: "REACHED at step %d · distance %.2f m (within %@ m)", at, g.distance, radius), Theme.goal, Theme.goal))
            } else {
                lines.append((String(format: "goal (%.1f, %.1f) · distance %.2f m (reach %@ m)", g.goal.x, g.goal.y, g.distance, radius),
                              Theme.text, Theme.goal))
            }
            if let p = g.lastPlan {
                lines.append((String(format: "plan %d · cost %.3g · %.0f ms per plan (mean %.0f)", g.plans, p.cost, p.milliseconds,
                                     g.meanPlanMilliseconds ?? p.milliseconds), Theme.text, Theme.plan))
                lines.append(("imagined path (thick: \(goalBodyName), thin: actor) · × the goal as the model reads it", Theme.dimText, nil))
            } else {
                lines.append((g.started ? "planning…" : "the model begins at the next observation", Theme.dimText, Theme.plan))
            }
        } else {
            lines.append(("GOAL MODE   click to place the \(goalBodyName)'s goal · G or Esc leaves", Theme.goal, nil))
        }
        let swatch: Float = 22
        let w = min(area.w - 20, (lines.map { fonts.small.measure($0.0) }.max() ?? 0) + 20 + swatch)
        let h = Float(lines.count) * lh + 12
        let x = area.x + 10, y = (panels.map { $0.maxY + 8 } ?? area.y + 10)
        guard w > 80, y + h < area.maxY - 40 else { return nil }
        drawTextBox(lines, in: Rect(x: x, y: y, w: w, h: h), lineHeight: lh, keyWidth: swatch,
                    edge: sandbox.goalRun?.reached == true ? Theme.goal : Theme.panelEdge)
        return Rect(x: x, y: y, w: w, h: h)
    }
}
