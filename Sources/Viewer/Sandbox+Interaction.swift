import Physics

/// A mouse pull on a body of a scene without an actor (see `World.pull`): the body row, the world point it was
/// grabbed at, and the point it is drawn towards.
struct UserPull: Equatable {
    var body: Int
    var grab: SIMD2<Float>
    var target: SIMD2<Float>
}

/// Everything the user does to the world besides violations: a steering action (actor scenes) or a pull.
struct UserInput: Equatable {
    var action: [Float]?
    var pull: UserPull?
    var isActive: Bool { action != nil || pull != nil }

    /// Makes `world`'s pull match this input (a no-op when it already does, so nothing new is logged). Returns
    /// false when the pulled body is gone (vanished), after letting go.
    @discardableResult
    func applyPull(to world: World) -> Bool {
        guard let p = pull else {
            if world.pulledBody != nil { world.releasePull() }
            return true
        }
        do {
            try world.pull(body: p.body, toward: p.target, grabbingAt: p.grab)
            return true
        } catch {
            world.releasePull()
            return false
        }
    }
}

/// Mouse interaction: which body is under the pointer, which row the actor is, and how a drag becomes an action.
extension Sandbox {
    /// State row of the scene's actor (the pushed body), or nil when the scene has none. Rows follow the
    /// scene's state order: dynamic `bodies` entries in file order, each owning `count.upper` rows.
    var actorBody: Int? {
        guard let actor = scene.actor else { return nil }
        var name = actor.body, instance = 0
        if let open = name.firstIndex(of: "["), name.last == "]",
           let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
            instance = i; name = String(name[..<open])
        }
        var row = 0
        for spec in scene.bodies {
            if spec.name == name { return spec.type == .dynamic ? row + instance : nil }
            if spec.type == .dynamic { row += spec.count.upper }
        }
        return nil
    }

    /// The dynamic body whose shape contains world point `p` (topmost first), if any.
    func body(at p: SIMD2<Float>) -> Int? {
        for d in drawables.reversed() where d.body >= 0 {
            switch d.geometry {
            case let .circle(c, r, _):
                if ((p - c) * (p - c)).sum() <= r * r { return d.body }
            case let .polygon(v):
                if Self.convex(v, contains: p) { return d.body }
            case let .segment(a, b, t):
                let ab = b - a, len2 = max((ab * ab).sum(), 1e-12)
                let u = min(max(((p - a) * ab).sum() / len2, 0), 1)
                let q = a + ab * u
                if ((p - q) * (p - q)).sum() <= (t / 2) * (t / 2) { return d.body }
            }
        }
        return nil
    }

    static func convex(_ v: [SIMD2<Float>], contains p: SIMD2<Float>) -> Bool {
        guard v.count >= 3 else { return false }
        var sign: Float = 0
        for i in 0..<v.count {
            let a = v[i], b = v[(i + 1) % v.count]
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
            if cross == 0 { continue }
            if sign == 0 { sign = cross } else if (sign > 0) != (cross > 0) { return false }
        }
        return true
    }

    /// The actor's action that drives it towards `target`: a saturated PD controller (full push one world unit
    /// away, braking on velocity), in the same [-1, 1] units the recording policy uses.
    func steeringAction(towards target: SIMD2<Float>) -> [Float]? {
        guard let row = actorBody, let p = position(of: row), let v = velocity(of: row) else { return nil }
        let u = (target - p) * 1.0 - v * 0.35
        return [min(max(u.x, -1), 1), min(max(u.y, -1), 1)]
    }
}
