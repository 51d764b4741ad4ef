import Physics

/// A second `World` that runs `depth` observations ahead of the shown one: the true k-step future is read
/// off its queue instead of forking the shown world every step.
///
/// Why not `snapshot()` + k steps + `restore()` each step: Box2D cannot copy a world, so `restore` rebuilds the
/// episode from its seed and replays it, a cost that grows with the episode (seconds of replay per step after a
/// few minutes of a busy scene). The lead is the same fork, kept alive: it replays only when the shown world
/// leaves the lead's plan — an injected violation, or user input (a steering action or a pull) other than the one
/// the lead assumed (throttled while the user drags, since the input then changes every step; meanwhile the lead
/// assumes the input stays as it was). Policy actions never leave the plan: both worlds draw them from the same
/// state and the same policy stream.
final class LeadWorld {
    struct Entry: Equatable {
        /// Per body, position (NaN when absent).
        var positions: [SIMD2<Float>]
        /// The action that led to this state.
        var action: [Float]
    }

    /// How far ahead the lead runs: the largest imagination horizon.
    static let depth = 9
    /// While the user drags, replay at most once per this many observations.
    static let steeringResyncEvery = 4

    let world: World
    private(set) var future: [Entry] = []
    private var plannedInput = UserInput()
    private var stepsSinceSync = 0
    /// Number of replays so far (tests and the bench read it).
    private(set) var resyncCount = 0
    private var buffer: [Float]
    private var action: [Float]

    init(scene: Scene) throws {
        world = try World(scene: scene)
        buffer = [Float](repeating: 0, count: world.bodyCount * 6)
        action = [Float](repeating: 0, count: world.actionDimension)
    }

    /// A new episode with `seed`, in step with a shown world just reset with the same seed.
    func restart(seed: UInt64, input: UserInput) {
        world.reset(seed: seed)
        future.removeAll(keepingCapacity: true)
        plannedInput = input
        stepsSinceSync = 0
        fill()
    }

    /// The shown world has just stepped with `stepAction`; keep the lead `depth` ahead of it.
    func advance(following shown: World, action stepAction: [Float], input: UserInput) {
        stepsSinceSync += 1
        let planned = future.isEmpty ? nil : future.removeFirst()
        let onPlan = planned?.action == stepAction && input == plannedInput
        if onPlan {
            fill()
        } else if input.isActive && plannedInput.isActive && input.pull?.body == plannedInput.pull?.body
                    && stepsSinceSync < Self.steeringResyncEvery {
            fill()   // still dragging: keep the slightly stale plan until the next replay is due
        } else {
            resynchronise(with: shown, input: input)
        }
    }

    /// Replays the shown world's episode so far, then runs ahead again.
    func resynchronise(with shown: World, input: UserInput) {
        world.restore(shown.snapshot())
        future.removeAll(keepingCapacity: true)
        plannedInput = input
        stepsSinceSync = 0
        resyncCount += 1
        fill()
    }

    private func fill() {
        let n = world.bodyCount, a = world.actionDimension
        while future.count < Self.depth {
            plannedInput.applyPull(to: world)
            if a > 0 {
                if let u = plannedInput.action, u.count == a { action = u } else {
                    action.withUnsafeMutableBufferPointer { world.policyAction(into: $0) }
                }
            }
            action.withUnsafeBufferPointer { world.step(action: a > 0 ? $0 : nil) }
            buffer.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
            let mask = world.bodyMask
            var positions = [SIMD2<Float>](repeating: SIMD2(repeating: .nan), count: n)
            for i in 0..<n where mask[i] { positions[i] = SIMD2(buffer[i * 6], buffer[i * 6 + 1]) }
            future.append(Entry(positions: positions, action: action))
        }
    }
}
