import Foundation

extension Scene {
    /// Per state row: how many turns of a body look the same (its rotational symmetry s), or 0 when its
    /// orientation never shows in the frames. An angle θ can only be read from pixels modulo 2π/s, so angle
    /// probes target (cos sθ, sin sθ).
    /// - circle, or a body with `fixedRotation`: 0 (a plain disc looks the same at every angle);
    /// - box: 4 when width and height are the same fixed number, or when their ranges overlap: which side is the
    ///   box's width is then drawn per episode and the state holds no sizes, so a box drawn 2 × 1.8 at θ shows as one
    ///   drawn 1.8 × 2 at θ + π/2 and only a quarter turn is a property of the frames; else 2;
    /// - polygon: the largest k with the outline unchanged by a turn of 2π/k (1 for none);
    /// - chain link: 1 (it hangs from a known pin, so which end is which always shows).
    /// Rows of non-dynamic entries do not exist; rows of instances beyond an episode's count keep their entry's value.
    public var orientationSymmetry: [Int] { symmetryRows(sidesDrawnPerEpisode: true) }

    /// Whether any body's orientation shows.
    public var hasTurningBodies: Bool { orientationSymmetry.contains { $0 > 0 } }

    /// The rotational symmetry of the shape state row `row` has in any one episode (2 for every box that is not
    /// square), 0 past the last row: a pushed body's goal angle and its own are in the same episode, with the same sides.
    public func shapeSymmetry(ofRow row: Int) -> Int {
        let rows = symmetryRows(sidesDrawnPerEpisode: false)
        return rows.indices.contains(row) ? rows[row] : 0
    }

    /// Per state row, `symmetry(of:sidesDrawnPerEpisode:)` of its entry.
    private func symmetryRows(sidesDrawnPerEpisode: Bool) -> [Int] {
        var rows: [Int] = []
        for spec in bodies where spec.type == .dynamic {
            let s = spec.fixedRotation ? 0 : Self.symmetry(of: spec, sidesDrawnPerEpisode: sidesDrawnPerEpisode)
            rows += Array(repeating: s, count: spec.count.upper)
        }
        for chain in chains { rows += Array(repeating: 1, count: chain.links.upper) }
        return rows
    }

    static func symmetry(of spec: BodySpec, sidesDrawnPerEpisode: Bool) -> Int {
        switch spec.shape {
        case .circle: return 0
        case .box:
            guard let w = spec.width, let h = spec.height else { return 2 }
            if w.lower == w.upper && h.lower == h.upper && w.lower == h.lower { return 4 }
            return sidesDrawnPerEpisode && w.lower < h.upper && h.lower < w.upper ? 4 : 2
        case .polygon: return polygonSymmetry(spec.points ?? [])
        }
    }

    /// Largest k ≤ n (vertices) such that turning the outline by 2π/k about its vertex centroid maps every vertex onto
    /// one of them, to 2 % of its size (finer differences do not show at a camera resolution of a few pixels per metre).
    static func polygonSymmetry(_ points: [SIMD2<Float>]) -> Int {
        guard points.count >= 3 else { return 1 }
        let centre = points.reduce(SIMD2<Float>.zero, +) / Float(points.count)
        let local = points.map { $0 - centre }
        let size = local.map { ($0 * $0).sum().squareRoot() }.max() ?? 1
        for k in stride(from: points.count, through: 2, by: -1) {
            let a = 2 * Float.pi / Float(k), c = cosf(a), s = sinf(a)
            let matches = local.allSatisfy { p in
                let q = SIMD2(c * p.x - s * p.y, s * p.x + c * p.y)
                return local.contains { (($0 - q) * ($0 - q)).sum().squareRoot() <= 0.02 * size }
            }
            if matches { return k }
        }
        return 1
    }
}
