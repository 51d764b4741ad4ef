import CBox2D
import Common
import Foundation

extension World {
    /// Applies an impossible event from now on. Throws if the scene does not list the type, or the body row is not
    /// present. `vanish` disables the body (zeros in states, `bodyMask` false, not drawn); `teleport` moves it to the
    /// target keeping angle and velocities; `passThrough` stops it colliding with walls and static bodies;
    /// `immutability` repaints it (until the next reset, which rebuilds every body in its scene colour).
    public func inject(_ violation: Violation) throws {
        guard scene.violations.contains(violation.type) else {
            throw WorldError.violationNotSupported(violation.type, scene: scene.name)
        }
        let row = violation.body
        guard row >= 0 && row < rows.count else { throw WorldError.noSuchBody(row, bodyCount: rows.count) }
        guard bodyMask[row] else { throw WorldError.bodyAbsent(row) }
        let id = rowIDs[row]
        switch violation {
        case .vanish:
            dropPull(ifOn: row)
            tb_body_set_enabled(handle, id, 0)
            bodyMask[row] = false
            contactFlags[row] = 0
            for i in drawn.indices where drawn[i].row == row { drawn[i].visible = false }
        case let .teleport(_, to):
            var s = [Float](repeating: 0, count: 6)
            var ids = [id]
            tb_export_states(handle, &ids, 1, &s)
            tb_body_teleport(handle, id, to.x, to.y, s[2], s[3], s[4], s[5])
        case .passThrough:
            tb_body_set_filter(handle, id, Self.bodyCategory, 0xFFFF & ~Self.wallCategory, 0)
        case let .immutability(_, color):
            for i in drawn.indices where drawn[i].row == row { drawn[i].color = color }
        }
        log.append(.violation(violation), at: stepIndex)
    }

    /// Chooses a violation that a viewer cannot miss yet is fair: the body is fully inside the camera view now (every
    /// shape at its pose, not its bounding circle, so a wide box on the floor counts). `vanish` picks any such body;
    /// `teleport` also a free target at least a third of the view away, inside the view; `passThrough` a body whose
    /// free-flight path (velocity and gravity) reaches a wall within `passThroughHorizon` seconds at a point the
    /// camera sees; `immutability` any such body and a `freshColour`. Returns `nil` when the scene does not support
    /// the type or nothing qualifies.
    public func planViolation(_ type: ViolationType, rng: inout SplitMix64) -> Violation? {
        guard scene.violations.contains(type) else { return nil }
        var states = [Float](repeating: 0, count: rows.count * 6)
        states.withUnsafeMutableBufferPointer { exportStates(into: $0) }
        let view = camera
        let radii = rowRadii()
        func position(_ row: Int) -> SIMD2<Float> { SIMD2(states[6 * row], states[6 * row + 1]) }
        var candidates = (0..<rows.count).filter { bodyMask[$0] && fullyInView($0, states: states) }
        // Shuffle with the caller's stream (Fisher–Yates), so choices are reproducible.
        if candidates.count > 1 {
            for i in stride(from: candidates.count - 1, to: 0, by: -1) { candidates.swapAt(i, rng.integer(0, i)) }
        }
        switch type {
        case .vanish:
            return candidates.first.map { .vanish(body: $0) }
        case .teleport:
            let span = min(view.maxX - view.minX, view.maxY - view.minY)
            for row in candidates {
                let r = radii[row], from = position(row)
                for _ in 0..<200 {
                    let target = SIMD2(rng.uniform(view.minX + r, view.maxX - r), rng.uniform(view.minY + r, view.maxY - r))
                    guard Geometry.length(target - from) >= max(span / 3, 4 * r) else { continue }
                    if isFree(target, radius: r, ignoring: row, states: states, radii: radii) {
                        return .teleport(body: row, to: target)
                    }
                }
            }
            return nil
        case .passThrough:
            var best: [(row: Int, time: Float)] = []
            for row in candidates {
                if let t = timeToWall(row: row, states: states, radius: radii[row]) { best.append((row, t)) }
            }
            guard !best.isEmpty else { return nil }
            return .passThrough(body: best[rng.integer(0, best.count - 1)].row)
        case .immutability:
            guard let row = candidates.first, let color = freshColour(rng: &rng) else { return nil }
            return .immutability(body: row, color: color)
        }
    }

    /// How far (Euclidean, 0...255 per channel) an immutability colour stays from every scene colour in RGB frames,
    /// and in luma in grey ones: a quarter of the cube's diagonal cannot be mistaken for shading or a neighbour's
    /// colour, and about 11 % of all colours still qualify in the most crowded shipped scene (bounce, tower).
    public static let freshColourDistance: (rgb: Float, grey: Float) = (100, 16)

    /// Every colour the scene can draw: the background, walls, zones and pins, every entry of every body and chain
    /// palette (not only those drawn this episode), and what each body shows now.
    var sceneColours: [SIMD3<UInt8>] {
        var out = [scene.camera.background] + staticDrawables.map(\.color)
        out += scene.bodies.flatMap(\.colors) + scene.chains.flatMap(\.colors) + drawn.map(\.color)
        return out
    }

    /// Distance between two colours as the camera sees them: RGB Euclidean, or the luma difference in grey frames.
    func colourDistance(_ a: SIMD3<UInt8>, _ b: SIMD3<UInt8>) -> Float {
        if scene.camera.color == .grey { return abs(Float(Drawable.luma(a)) - Float(Drawable.luma(b))) }
        let d = SIMD3<Float>(a) - SIMD3<Float>(b)
        return (d * d).sum().squareRoot()
    }

    /// A random colour at least `freshColourDistance` from every `sceneColours` entry, so an immutability violation is
    /// plain to see and cannot pass for another body; the first of up to 256 draws that qualifies, nil if none does.
    func freshColour(rng: inout SplitMix64) -> SIMD3<UInt8>? {
        let taken = sceneColours
        let minimum = scene.camera.color == .grey ? Self.freshColourDistance.grey : Self.freshColourDistance.rgb
        for _ in 0..<256 {
            let c = SIMD3<UInt8>(UInt8(rng.integer(0, 255)), UInt8(rng.integer(0, 255)), UInt8(rng.integer(0, 255)))
            if taken.allSatisfy({ colourDistance(c, $0) >= minimum }) { return c }
        }
        return nil
    }

    /// How far ahead (seconds) `planViolation(.passThrough)` looks for a wall.
    public static let passThroughHorizon: Float = 1.0

    /// Whether every shape of body `row` lies inside the camera view at the pose in `states`.
    func fullyInView(_ row: Int, states: [Float]) -> Bool {
        let view = camera
        let p = SIMD2(states[6 * row], states[6 * row + 1]), angle = states[6 * row + 2]
        func inside(_ q: SIMD2<Float>, _ r: Float) -> Bool {
            q.x - r >= view.minX && q.x + r <= view.maxX && q.y - r >= view.minY && q.y + r <= view.maxY
        }
        var any = false
        for body in drawn where body.row == row {
            for shape in body.shapes {
                any = true
                switch shape {
                case let .circle(c, r):
                    if !inside(p + Geometry.rotate(c, angle), r) { return false }
                case let .polygon(v):
                    if !v.allSatisfy({ inside(p + Geometry.rotate($0, angle), 0) }) { return false }
                }
            }
        }
        return any
    }

    /// Bounding radius of each row's body (0 for absent rows).
    func rowRadii() -> [Float] {
        var r = [Float](repeating: 0, count: rows.count)
        for body in drawn where body.row >= 0 { r[body.row] = max(r[body.row], body.shapes.map(\.boundingRadius).max() ?? 0) }
        return r
    }

    func isFree(_ p: SIMD2<Float>, radius r: Float, ignoring row: Int, states: [Float], radii: [Float]) -> Bool {
        let margin: Float = 0.05
        for piece in solidPieces where piece.distance(to: p) < r + margin { return false }
        for (q, rq) in staticObstacles where Geometry.length(p - q) < r + rq + margin { return false }
        for other in 0..<rows.count where other != row && bodyMask[other] {
            let q = SIMD2(states[6 * other], states[6 * other + 1])
            if Geometry.length(p - q) < r + radii[other] + margin { return false }
        }
        return true
    }

    /// First time the body's free-flight path touches a solid wall, if within the horizon and inside the view.
    private func timeToWall(row: Int, states: [Float], radius: Float) -> Float? {
        let p0 = SIMD2(states[6 * row], states[6 * row + 1]), v0 = SIMD2(states[6 * row + 3], states[6 * row + 4])
        let view = camera
        let dt = scene.timestep
        var t: Float = 0
        while t <= Self.passThroughHorizon {
            let p = p0 + v0 * t + 0.5 * scene.gravity * t * t
            let touching = solidPieces.contains { $0.distance(to: p) < radius + 0.02 }
                || staticObstacles.contains { Geometry.length(p - $0.0) < radius + $0.1 + 0.02 }
            if touching {
                return p.x >= view.minX && p.x <= view.maxX && p.y >= view.minY && p.y <= view.maxY ? t : nil
            }
            t += dt
        }
        return nil
    }
}
