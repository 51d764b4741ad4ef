import Physics

/// The physics panel's settings: observation rate, solver iterations and sleeping, each either the scene's own
/// or a choice of the user. Changing one restarts the episode; while any differs from the scene's own, live
/// learning gets no frames and recording is refused, so such frames never reach the model's data unnoticed.
struct PhysicsSettings: Equatable {
    /// Physics steps per observation (nil: the scene's `observeEvery`).
    var observeEvery: Int?
    /// Velocity and position iterations (nil: the scene's).
    var iterations: Iterations?
    /// Box2D sleeping (scenes and datasets never sleep).
    var sleep = false

    struct Iterations: Equatable {
        var velocity: Int
        var position: Int
    }

    static let observeChoices = [1, 2, 4, 8]
    static let iterationChoices = [Iterations(velocity: 8, position: 3), Iterations(velocity: 16, position: 6),
                                   Iterations(velocity: 4, position: 2), Iterations(velocity: 2, position: 1)]

    /// `scene` with these settings applied (its text is still the file's: see `differs(from:)`).
    func applied(to scene: Scene) -> Scene {
        var s = scene
        if let o = observeEvery { s.observeEvery = o }
        if let i = iterations { s.velocityIterations = i.velocity; s.positionIterations = i.position }
        return s
    }

    /// Whether the world these settings make behaves differently from `scene` as written.
    func differs(from scene: Scene) -> Bool { sleep || applied(to: scene) != scene }

    /// The next observation rate after the one in effect on `scene`; the scene's own value is stored as nil.
    mutating func cycleObservationRate(scene: Scene) {
        let now = observeEvery ?? scene.observeEvery
        let next = Self.observeChoices.first { $0 > now } ?? Self.observeChoices[0]
        observeEvery = next == scene.observeEvery ? nil : next
    }

    mutating func cycleIterations(scene: Scene) {
        let now = iterations ?? Iterations(velocity: scene.velocityIterations, position: scene.positionIterations)
        let i = Self.iterationChoices.firstIndex(of: now).map { ($0 + 1) % Self.iterationChoices.count } ?? 0
        let next = Self.iterationChoices[i]
        iterations = next == Iterations(velocity: scene.velocityIterations, position: scene.positionIterations) ? nil : next
    }
}
