import Common
import Tensor

/// `model.encoder.instances`: bodies that share a colour, told apart by where they are. A per-pixel encoder puts
/// every pixel of one colour in the same mask, so two same-coloured pebbles share one map and the latent holds only
/// their joint spread. For the masks chosen at the start (`channels`: colours the first batch shows as several
/// separate bodies), each frame's mask is cut into its connected regions (pixels above ½, 8-neighbour; one spreading
/// far more than a single body is two touching ones, halved), ordered by x, and every pixel within a region's reach
/// (half its extent plus `margin`) goes to the nearest region's map: region 0 keeps the mask's channel, regions 1…
/// get channels appended after the masks. The mask's faint values elsewhere are left out: split between the regions
/// they would shift each body's centroid by where the other body is. The cut is a fixed 0/1 gate per pixel, so
/// gradients reach the mask values it keeps unchanged.
struct InstanceSplit {
    /// Softmax masks C before the split.
    let masks: Int
    /// Split masks, ascending.
    let channels: [Int]
    /// Maps per split mask.
    let instances: Int
    /// Per split mask: the largest spread (px²) of one of its bodies in the first batch; empty: never cut a region.
    let spreads: [Float]
    /// [C, C']: each mask copied to its maps.
    let selection: Tensor

    /// Smallest region that counts as a body, in pixels (a 64×64 frame draws ramp's smallest pebble in about 7).
    static let minimumPixels = 3

    init(masks: Int, channels: [Int], instances: Int, spreads: [Float] = []) {
        self.masks = masks; self.channels = channels; self.instances = instances
        precondition(spreads.isEmpty || spreads.count == channels.count, "InstanceSplit: one spread per split mask")
        self.spreads = spreads
        let out = masks + channels.count * (instances - 1)
        var s = [Float](repeating: 0, count: masks * out)
        for c in 0..<masks { s[c * out + c] = 1 }
        for (i, c) in channels.enumerated() { for k in 1..<instances { s[c * out + masks + i * (instances - 1) + k - 1] = 1 } }
        selection = try! Tensor(s, shape: [masks, out])
    }

    var outputChannels: Int { masks + channels.count * (instances - 1) }

    /// Channel of map `k` of split mask `i` (map 0 is the mask's own channel).
    func channel(split i: Int, instance k: Int) -> Int { k == 0 ? channels[i] : masks + i * (instances - 1) + k - 1 }

    /// Per-pixel masks [M, H, W, C] → maps [M, H, W, C'].
    func apply(_ h: Tensor) throws -> Tensor {
        let m = h.shape[0], height = h.shape[1], width = h.shape[2], out = outputChannels
        let pixels = height * width
        var gates = [Float](repeating: 1, count: m * pixels * out)
        h.withUnsafeBufferPointer { values in
            gates.withUnsafeMutableBufferPointer { g in
                let g = g.baseAddress!
                Parallel.forEach(m) { f in
                    let frame = f * pixels
                    for (i, c) in channels.enumerated() {
                        let regions = Self.regions(width: width, height: height, spread: spreads.isEmpty ? nil : spreads[i]) {
                            values[(frame + $0) * masks + c] > 0.5
                        }
                        let columns = (0..<instances).map { channel(split: i, instance: $0) }
                        for p in 0..<pixels { for column in columns { g[(frame + p) * out + column] = 0 } }
                        // Only pixels within a region's reach can be its: visit each region's box.
                        for (j, r) in regions.enumerated() {
                            let x0 = max(0, Int((r.centroid.x - r.reach).rounded(.down))), x1 = min(width - 1, Int((r.centroid.x + r.reach).rounded(.up)))
                            let y0 = max(0, Int((r.centroid.y - r.reach).rounded(.down))), y1 = min(height - 1, Int((r.centroid.y + r.reach).rounded(.up)))
                            guard x0 <= x1, y0 <= y1 else { continue }
                            for y in y0...y1 { for x in x0...x1 where Self.nearest(x, y, regions) == j {
                                g[(frame + y * width + x) * out + columns[min(j, instances - 1)]] = 1
                            } }
                        }
                    }
                }
            }
        }
        let gate = try Tensor(gates, shape: [m * pixels, out])
        return try (h.reshaped([m * pixels, masks]).matmul(selection) * gate).reshaped([m, height, width, out])
    }

    /// Connected regions (8-neighbour) of the pixels `inside` of one frame with at least `minimumPixels`, as their
    /// centroids (column, row) and reach (half their extent plus `margin`), ordered by x then y. A region that spreads
    /// more than `touching` times the widest single body of its colour (`spread`: its largest variance, px²) is two
    /// touching bodies: its halves either side of its centroid across its long axis count as two.
    static func regions(width: Int, height: Int, spread: Float? = nil, inside: (Int) -> Bool) -> [(centroid: SIMD2<Float>, reach: Float)] {
        components(width: width, height: height, inside: inside).filter { $0.points.count >= minimumPixels }
            .flatMap { r in spread.map { r.spread.variance > touching * $0 } == true ? r.halves() : [r] }
            .map { ($0.centroid, $0.extent / 2 + margin) }
            .sorted { ($0.centroid.x, $0.centroid.y) < ($1.centroid.x, $1.centroid.y) }
    }

    /// Pixels beyond a body's region that still count as its own (its anti-aliased rim and a little more).
    static let margin: Float = 2

    /// Two discs side by side spread 5 times as far along their line as one; a mask's region of one body, its
    /// anti-aliased rim included, up to about twice its colour's exact pixels (ramp's pebbles: 1.4 against 0.67 px²).
    static let touching: Float = 3

    /// A connected region of one frame: its pixels' coordinates (column, row).
    struct Region {
        let points: [SIMD2<Float>]

        var centroid: SIMD2<Float> { points.reduce(.zero, +) / Float(points.count) }
        /// The longer side of its bounding box, in pixels.
        var extent: Float {
            let low = points.reduce(SIMD2(repeating: .infinity)) { pointwiseMin($0, $1) }
            let high = points.reduce(SIMD2(repeating: -.infinity)) { pointwiseMax($0, $1) }
            return (high - low).max() + 1
        }
        /// The largest variance of its coordinates (px²), its direction, and the smallest variance (across it).
        var spread: (variance: Float, axis: SIMD2<Float>, across: Float) {
            let c = centroid, n = Float(points.count)
            var a: Float = 0, b: Float = 0, d: Float = 0
            for p in points { let q = p - c; a += q.x * q.x; b += q.x * q.y; d += q.y * q.y }
            a /= n; b /= n; d /= n
            let root = (((a - d) / 2) * ((a - d) / 2) + b * b).squareRoot(), l = (a + d) / 2 + root
            let v = abs(b) > 1e-6 ? SIMD2(b, l - a) : (a >= d ? SIMD2<Float>(1, 0) : SIMD2<Float>(0, 1))
            return (l, v / (v * v).sum().squareRoot(), (a + d) / 2 - root)
        }
        /// Its pixels either side of the centroid across the long axis (one region when a side is empty).
        func halves() -> [Region] {
            let c = centroid, axis = spread.axis
            let sides = Dictionary(grouping: points) { ((($0 - c) * axis).sum()) < 0 }
            guard let first = sides[true], let second = sides[false] else { return [self] }
            return [Region(points: first), Region(points: second)]
        }
    }

    /// Every connected region (8-neighbour) of the pixels `inside` of one frame.
    static func components(width: Int, height: Int, inside: (Int) -> Bool) -> [Region] {
        var seen = [Bool](repeating: false, count: width * height)
        var out: [Region] = []
        var stack: [Int] = []
        for start in 0..<(width * height) where !seen[start] && inside(start) {
            seen[start] = true
            stack.append(start)
            var points: [SIMD2<Float>] = []
            while let p = stack.popLast() {
                let x = p % width, y = p / width
                points.append(SIMD2(Float(x), Float(y)))
                for dy in -1...1 { for dx in -1...1 {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                    let q = ny * width + nx
                    if !seen[q] && inside(q) { seen[q] = true; stack.append(q) }
                } }
            }
            out.append(Region(points: points))
        }
        return out
    }

    /// Index of the region whose centroid is nearest pixel (x, y), ties to the first; nil when it is out of that
    /// region's reach (or there is none).
    static func nearest(_ x: Int, _ y: Int, _ regions: [(centroid: SIMD2<Float>, reach: Float)]) -> Int? {
        let p = SIMD2(Float(x), Float(y))
        var best = 0, bestDistance = Float.infinity
        for (i, r) in regions.enumerated() {
            let d = ((r.centroid - p) * (r.centroid - p)).sum()
            if d < bestDistance { best = i; bestDistance = d }
        }
        guard !regions.isEmpty, bestDistance <= regions[best].reach * regions[best].reach else { return nil }
        return best
    }

    /// The masks to split: of the first batch's frequent colours (mask i holds colour i, `ColourSeparation`), those of
    /// moving bodies (the colour's centroid moves between most consecutive frames of a clip, `clipLength` frames each)
    /// that some frame shows as two or more separate bodies: regions of the colour at least `minimumThickness` across,
    /// and none spanning more than `bodyExtent` of the frame's side. With each, the largest
    /// spread of one of its bodies in such frames (px²): a region spreading far more holds two.
    static func splitMasks(palette: PixelPalette, frequent: [Int], clipLength: Int) -> [(mask: Int, spread: Float)] {
        let cap = bodyExtent * Float(max(palette.width, palette.height)), pixels = palette.height * palette.width
        var out: [(mask: Int, spread: Float)] = []
        for (mask, colour) in frequent.enumerated() {
            var spread: Float? = nil
            var centroids: [SIMD2<Float>?] = []
            for f in 0..<palette.frames {
                let frame = f * pixels
                let regions = components(width: palette.width, height: palette.height) { palette.index[frame + $0] == colour }
                let bodies = regions.filter { $0.points.count >= minimumPixels && $0.spread.across >= minimumThickness }
                if regions.allSatisfy({ $0.extent <= cap }) && bodies.count >= 2 {
                    spread = max(spread ?? 0, bodies.map(\.spread.variance).max()!)
                }
                centroids.append(regions.isEmpty ? nil : Region(points: regions.flatMap(\.points)).centroid)
            }
            var pairs = 0, moved = 0
            for f in 0..<max(0, palette.frames - 1) where (f + 1) % max(1, clipLength) != 0 {
                guard let a = centroids[f], let b = centroids[f + 1] else { continue }
                pairs += 1
                if ((a - b) * (a - b)).sum() > minimumMotion * minimumMotion { moved += 1 }
            }
            if let spread, 2 * moved > pairs { out.append((mask, spread)) }
        }
        return out
    }

    /// Variance across a region (px²) below which it is a line, such as a piece of a slope's anti-aliased edge, not a
    /// body (a 3-pixel-wide body: 0.67).
    static let minimumThickness: Float = 0.2

    /// How far (px) a colour's centroid must move between two frames to count as moving.
    static let minimumMotion: Float = 0.25

    /// Longest side of one body of a split colour, as a share of the frame's (a quarter: 5 m of ramp's 20).
    static let bodyExtent: Float = 0.25
}
