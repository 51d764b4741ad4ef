/// What happened since reset, enough to rebuild the episode exactly (see `World.snapshot()`): every action, and
/// every outside intervention (violations, pulls) with the observation index it came before, in call order.
struct ReplayLog: Equatable, Sendable {
    var actions: [SIMD2<Float>] = []
    var events: [LoggedEvent] = []

    /// Records `event` before observation `step`. Consecutive target moves between two steps collapse into one
    /// (into the grab itself when it was made in the same interval): Box2D only reads the last target at the next
    /// step, so replaying the collapsed log is bit-exact and a mouse held still or moved often logs little.
    mutating func append(_ event: ReplayEvent, at step: Int) {
        if case let .pull(.move(target)) = event, let last = events.last, last.step == step {
            switch last.event {
            case .pull(.move):
                events[events.count - 1].event = .pull(.move(target: target))
                return
            case let .pull(.grab(body, point, _)):
                events[events.count - 1].event = .pull(.grab(body: body, at: point, target: target))
                return
            default: break
            }
        }
        events.append(LoggedEvent(step: step, event: event))
    }
}

/// One logged intervention and the observation index it was made before.
struct LoggedEvent: Equatable, Sendable {
    var step: Int
    var event: ReplayEvent
}

enum ReplayEvent: Equatable, Sendable {
    case violation(Violation)
    case pull(PullEvent)
}

/// The pull's life: grabbed (a body row, the grabbed world point, the target), moved, released.
enum PullEvent: Equatable, Sendable {
    case grab(body: Int, at: SIMD2<Float>, target: SIMD2<Float>)
    case move(target: SIMD2<Float>)
    case release
}
