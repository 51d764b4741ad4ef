import CBox2D

/// The pull in effect: the grabbed body row and the point it is drawn towards.
struct PullState: Equatable {
    var body: Int
    var target: SIMD2<Float>
}

/// Mouse-style dragging of any dynamic body, for scenes without an actor (with an actor, the viewer steers the actor
/// through its action instead, so the model sees the drag). The pull is Box2D's mouse joint: a soft spring-damper
/// solved inside the velocity solver with stiffness and damping derived from the body's mass, and a force cap
/// proportional to that mass, so light and heavy bodies follow alike and nothing explodes. The joint chases the
/// pointer through a speed- and acceleration-limited "carrot" (see `tb_pull_begin`): a capped spring pulled far
/// would saturate, lose its damping and swing past the pointer again and again; the carrot keeps it in its
/// linear range, so the body glides to the pointer and stops there. It is an outside
/// intervention, not an action: it is not in the action vector, but it is in the replay log, so
/// `snapshot()`/`restore(_:)` stay bit-exact with pulls in the episode.
extension World {
    /// Spring frequency of the pull (Hz) and its damping ratio: the Box2D testbed's mouse.
    public static let pullFrequency: Float = 5
    public static let pullDampingRatio: Float = 0.7
    /// The pull never exceeds mass × this (m/s², about 15 g): enough to follow the carrot against gravity and to
    /// shove neighbours, bounded so a pinned body cannot crush what pins it.
    public static let pullMaxAcceleration: Float = 150
    /// The carrot's top speed (m/s) and acceleration (m/s²): how fast a pulled body can be made to travel.
    public static let pullMaxSpeed: Float = 25
    public static let pullCarrotAcceleration: Float = 60

    /// The body row being pulled, if any.
    public var pulledBody: Int? { pullState?.body }
    /// Where the pulled point is being drawn to (world units), if a pull is in effect.
    public var pullTarget: SIMD2<Float>? { pullState?.target }

    /// Draws dynamic body row `body` towards world point `target`, from now until `releasePull()`. The first call on a
    /// body grabs it at `point` (world coordinates, default its origin; an off-centre grab lets the body swing like
    /// under a mouse); later calls on the same body only move the target. Pulling another body releases the first.
    /// A body that vanishes is released. Throws `WorldError` if the row does not exist or is absent, or the points
    /// are not finite.
    public func pull(body: Int, toward target: SIMD2<Float>, grabbingAt point: SIMD2<Float>? = nil) throws {
        guard body >= 0 && body < rows.count else { throw WorldError.noSuchBody(body, bodyCount: rows.count) }
        guard bodyMask[body] else { throw WorldError.bodyAbsent(body) }
        guard target.x.isFinite && target.y.isFinite else { throw WorldError.nonFinitePoint("pull target") }
        if let p = point, !(p.x.isFinite && p.y.isFinite) { throw WorldError.nonFinitePoint("grab point") }
        if let current = pullState, current.body == body {
            if current.target != target { apply(.move(target: target)) }
            return
        }
        let grab = point ?? {
            var s = [Float](repeating: 0, count: 6)
            var id = rowIDs[body]
            tb_export_states(handle, &id, 1, &s)
            return SIMD2(s[0], s[1])
        }()
        apply(.grab(body: body, at: grab, target: target))
    }

    /// Lets go of the pulled body (nothing happens without a pull).
    public func releasePull() {
        if pullState != nil { apply(.release) }
    }

    /// Performs a pull event and logs it; `restore` replays the log through here.
    func apply(_ event: PullEvent) {
        switch event {
        case let .grab(body, point, target):
            let id = rowIDs[body]
            let ok = tb_pull_begin(handle, groundID, id, point.x, point.y, target.x, target.y,
                                   tb_body_mass(handle, id) * Self.pullMaxAcceleration,
                                   Self.pullFrequency, Self.pullDampingRatio,
                                   Self.pullMaxSpeed, Self.pullCarrotAcceleration) != 0
            pullState = ok ? PullState(body: body, target: target) : nil
        case let .move(target):
            tb_pull_set_target(handle, target.x, target.y)
            pullState?.target = target
        case .release:
            tb_pull_end(handle)
            pullState = nil
        }
        log.append(.pull(event), at: stepIndex)
    }

    /// Ends a pull as a consequence of another logged event (a vanish), so it is not logged itself.
    func dropPull(ifOn body: Int) {
        guard pullState?.body == body else { return }
        tb_pull_end(handle)
        pullState = nil
    }
}
