/// Whole-scene checks after decoding: sizes, ranges, references and a trial placement. Each failure is one
/// `SceneIssue` naming the field, so the loader can point at its line.
extension Scene {
    /// Trial placements run for these layout seeds with the largest counts and a strict attempt budget; `World`
    /// later allows ten times as many attempts, so a scene that passes here places reliably for every seed.
    static let validationSeeds: [UInt64] = Array(0..<6)
    static let validationAttempts = 100
    /// Bodies a scene may hold in all, as one entry may.
    static let maxBodies = 10_000
    static let episodeAttempts = 1000

    func validate() throws {
        try validateSettings()
        try validateWalls()
        var names: Set<String> = ["ground"]
        try validateBodies(names: &names)
        try validateChains(names: &names)
        let rows = RowMap(self)
        try validateJoints(rows: rows)
        try validateActor()
        try validatePlacement(rows: rows)
    }

    // MARK: Checks, in the order a scene file is read

    // Shared checks: each failure names its field path.
    private func fail(_ path: [PathStep], _ message: String) -> SceneIssue { SceneIssue(path: path, message: message) }
    private func k(_ s: String) -> PathStep { .key(s) }
    private func positive(_ v: Float, _ path: [PathStep], _ what: String = "a number") throws {
        guard v > 0 else { throw fail(path, "expected \(what) > 0, got \(v)") }
    }
    private func nonNegative(_ v: Float, _ path: [PathStep]) throws {
        guard v >= 0 else { throw fail(path, "expected a number ≥ 0, got \(v)") }
    }
    private func unit(_ v: Float, _ path: [PathStep]) throws {
        guard v >= 0 && v <= 1 else { throw fail(path, "expected a number in 0...1, got \(v)") }
    }
    private func positive(_ r: RandomRange, _ path: [PathStep]) throws {
        guard r.lower > 0 else { throw fail(path, "expected sizes > 0, got \(r.lower)") }
    }
    private func inside(_ p: SIMD2<Float>, _ path: [PathStep]) throws {
        guard p.x >= 0, p.x <= world.width, p.y >= 0, p.y <= world.height else {
            throw fail(path, "expected a point inside the world (0...\(world.width), 0...\(world.height)), got [\(p.x), \(p.y)]")
        }
    }
    private func polygon(_ v: [SIMD2<Float>], _ path: [PathStep]) throws {
        guard (3...8).contains(v.count) else { throw fail(path, "expected 3 to 8 points, got \(v.count)") }
        guard Geometry.isConvex(v) else { throw fail(path, "expected a convex polygon with distinct points") }
    }

    /// The world, step and camera settings.
    private func validateSettings() throws {
        guard !name.isEmpty else { throw fail([k("name")], "expected a non-empty name") }
        try positive(world.width, [k("world"), k("width")])
        try positive(world.height, [k("world"), k("height")])
        guard timestep > 0 && timestep <= 0.1 else { throw fail([k("timestep")], "expected seconds in (0, 0.1], got \(timestep)") }
        guard (1...100).contains(velocityIterations) else {
            throw fail([k("velocityIterations")], "expected 1...100, got \(velocityIterations)")
        }
        guard (1...100).contains(positionIterations) else {
            throw fail([k("positionIterations")], "expected 1...100, got \(positionIterations)")
        }
        guard (1...1000).contains(observeEvery) else { throw fail([k("observeEvery")], "expected 1...1000, got \(observeEvery)") }
        try nonNegative(restitutionThreshold, [k("restitutionThreshold")])
        guard (8...1024).contains(camera.resolution) else {
            throw fail([k("camera"), k("resolution")], "expected 8...1024 pixels, got \(camera.resolution)")
        }
        if let v = camera.view, !(v.maxX > v.minX && v.maxY > v.minY) {
            throw fail([k("camera"), k("view")], "expected maxX > minX and maxY > minY")
        }
    }

    /// Every static wall piece.
    private func validateWalls() throws {
        for (i, w) in walls.enumerated() {
            let p: [PathStep] = [k("walls"), .index(i)]
            try positive(w.thickness, p + [k("thickness")])
            try nonNegative(w.friction, p + [k("friction")])
            try unit(w.restitution, p + [k("restitution")])
            switch w.type {
            case .frame:
                guard w.thickness * 4 < min(world.width, world.height) else {
                    throw fail(p + [k("thickness")], "expected a frame thinner than a quarter of the world")
                }
            case .box:
                try positive(w.width!, p + [k("width")])
                try positive(w.height!, p + [k("height")])
            case .segment:
                guard Geometry.length(w.from! - w.to!) > 0.01 else { throw fail(p + [k("to")], "expected a segment longer than 0.01") }
            case .chain:
                let pts = w.points!
                guard pts.count >= (w.loop ? 3 : 2) else {
                    throw fail(p + [k("points")], "expected at least \(w.loop ? 3 : 2) points, got \(pts.count)")
                }
                for j in 1..<pts.count where Geometry.length(pts[j] - pts[j - 1]) <= 0.01 {
                    throw fail(p + [k("points"), .index(j)], "expected consecutive points at least 0.01 apart")
                }
            case .polygon:
                try polygon(w.points!, p + [k("points")])
            }
        }
    }

    /// Every body entry: unique names, counts, sizes, ranges inside the world, materials.
    private func validateBodies(names: inout Set<String>) throws {
        for (i, b) in bodies.enumerated() {
            let p: [PathStep] = [k("bodies"), .index(i)]
            guard !b.name.isEmpty, !b.name.contains("["), names.insert(b.name).inserted else {
                throw fail(p + [k("name")], "expected a unique name other than `ground` (without brackets), got `\(b.name)`")
            }
            guard b.count.lower >= 0, b.count.upper <= 10_000 else { throw fail(p + [k("count")], "expected counts in 0...10000") }
            if let r = b.radius { try positive(r, p + [k("radius")]) }
            if let r = b.width { try positive(r, p + [k("width")]) }
            if let r = b.height { try positive(r, p + [k("height")]) }
            if let pts = b.points { try polygon(pts, p + [k("points")]) }
            try positive(b.scale, p + [k("scale")])
            guard b.position.x.lower >= 0, b.position.x.upper <= world.width else {
                throw fail(p + [k("position"), k("x")], "expected x within the world, 0...\(world.width)")
            }
            guard b.position.y.lower >= 0, b.position.y.upper <= world.height else {
                throw fail(p + [k("position"), k("y")], "expected y within the world, 0...\(world.height)")
            }
            if case let .polar(speed, _) = b.velocity, speed.lower < 0 {
                throw fail(p + [k("velocity"), k("speed")], "expected speeds ≥ 0, got \(speed.lower)")
            }
            if b.type == .dynamic { try positive(b.density, p + [k("density")]) } else { try nonNegative(b.density, p + [k("density")]) }
            try nonNegative(b.friction, p + [k("friction")])
            try unit(b.restitution, p + [k("restitution")])
            try nonNegative(b.linearDamping, p + [k("linearDamping")])
            try nonNegative(b.angularDamping, p + [k("angularDamping")])
        }
    }

    /// Every chain entry: unique names, anchor inside the world, links and materials.
    private func validateChains(names: inout Set<String>) throws {
        for (i, c) in chains.enumerated() {
            let p: [PathStep] = [k("chains"), .index(i)]
            guard !c.name.isEmpty, !c.name.contains("["), names.insert(c.name).inserted else {
                throw fail(p + [k("name")], "expected a unique name other than `ground` (without brackets), got `\(c.name)`")
            }
            try inside(c.anchor, p + [k("anchor")])
            guard c.links.lower >= 1, c.links.upper <= 100 else { throw fail(p + [k("links")], "expected 1...100 links") }
            try positive(c.length, p + [k("length")])
            try positive(c.width, p + [k("width")])
            if let bob = c.bob { try positive(bob, p + [k("bob")]) }
            try positive(c.density, p + [k("density")])
            try nonNegative(c.friction, p + [k("friction")])
            try unit(c.restitution, p + [k("restitution")])
            try nonNegative(c.linearDamping, p + [k("linearDamping")])
            try nonNegative(c.angularDamping, p + [k("angularDamping")])
        }
    }

    /// Every joint: both ends name bodies that always exist, and its limits are consistent.
    private func validateJoints(rows: RowMap) throws {
        func checkReference(_ ref: String, _ path: [PathStep]) throws -> String {
            guard let (name, instance) = RowMap.parseReference(ref) else {
                throw fail(path, "expected `ground`, `name` or `name[i]`, got `\(ref)`")
            }
            if name == "ground" { return "ground" }
            guard let entry = rows.names[name] else {
                throw fail(path, "expected the name of a body or chain (or `ground`), got `\(name)`")
            }
            guard instance < entry.minimum else {
                throw fail(path, "`\(ref)` may not exist: `\(name)` has at least \(entry.minimum) instance(s)")
            }
            return "\(name)[\(instance)]"
        }
        for (i, j) in joints.enumerated() {
            let p: [PathStep] = [k("joints"), .index(i)]
            let a = try checkReference(j.a, p + [k("a")])
            let b = try checkReference(j.b, p + [k("b")])
            guard a != b else { throw fail(p + [k("b")], "expected two different bodies") }
            if let l = j.length { try positive(l, p + [k("length")]) }
            try nonNegative(j.frequency, p + [k("frequency")])
            try nonNegative(j.dampingRatio, p + [k("dampingRatio")])
            try nonNegative(j.maxMotorTorque, p + [k("maxMotorTorque")])
            guard (j.lowerAngle == nil) == (j.upperAngle == nil) else {
                throw fail(p + [k(j.lowerAngle == nil ? "lowerAngle" : "upperAngle")], "expected both lowerAngle and upperAngle, or neither")
            }
            if let lo = j.lowerAngle, let hi = j.upperAngle, lo > hi {
                throw fail(p + [k("upperAngle")], "expected upperAngle ≥ lowerAngle")
            }
        }
    }

    /// The actor (a single dynamic body, its force and policy, and what it pushes where), then the violations.
    private func validateActor() throws {
        if let actor {
            let p: [PathStep] = [k("actor")]
            guard let i = bodies.firstIndex(where: { $0.name == actor.body }) else {
                throw fail(p + [k("body")], "expected the name of a body entry, got `\(actor.body)`")
            }
            guard bodies[i].type == .dynamic, bodies[i].count == CountRange(1, 1) else {
                throw fail(p + [k("body")], "expected a dynamic body entry with count 1")
            }
            try positive(actor.force, p + [k("force")])
            try positive(actor.policy.theta, p + [k("policy"), k("theta")])
            try nonNegative(actor.policy.sigma, p + [k("policy"), k("sigma")])
            try nonNegative(actor.policy.gain, p + [k("policy"), k("gain")])
            if let push = actor.policy.push {
                guard let j = bodies.firstIndex(where: { $0.name == push }), bodies[j].type == .dynamic,
                      bodies[j].count.lower >= 1, push != actor.body else {
                    throw fail(p + [k("policy"), k("push")], "expected another dynamic body entry that always exists, got `\(push)`")
                }
                guard let goal = actor.policy.goal else {
                    throw SceneIssue(path: p + [k("policy"), k("goal")], message: "missing required field `goal` (push needs a goal)",
                                     missingKey: true)
                }
                try inside(goal, p + [k("policy"), k("goal")])
            } else if actor.policy.goal != nil {
                throw fail(p + [k("policy"), k("goal")], "field `goal` needs `push` (the body to push there)")
            }
        }
        for (i, v) in violations.enumerated() where violations[..<i].contains(v) {
            throw fail([k("violations"), .index(i)], "expected each violation once, `\(v.rawValue)` is repeated")
        }
    }

    /// The total body cap, then trial placements for the validation seeds.
    private func validatePlacement(rows: RowMap) throws {
        // Per entry the caps hold, but placement is quadratic in the total: ten entries of 10,000 hung.
        let total = bodies.reduce(0) { $0 + $1.count.upper } + chains.reduce(0) { $0 + $1.links.upper }
        guard total <= Self.maxBodies else {
            throw fail([k("bodies")], "expected at most \(Self.maxBodies) bodies in all (counts and chain links), got \(total)")
        }
        let scenery = Scenery(self).solidPieces
        for seed in Self.validationSeeds {
            var rng = World.layoutStream(seed: seed)
            do {
                _ = try Layout.make(self, rows: rows, scenery: scenery, rng: &rng, attempts: Self.validationAttempts,
                                    maxCounts: true, strict: true)
            } catch let failure as Layout.PlacementFailure {
                throw fail(failure.path, "cannot place instance \(failure.instance) without overlapping walls or other bodies " +
                           "after \(failure.attempts) tries (layout seed \(seed)); widen its position range or reduce counts/sizes")
            }
        }
    }
}
