import CSDL2

/// Triangle rasterisation: edge functions stepped across pixel centres, with the top-left fill rule.
///
/// `triangle` sets a triangle up once (corners, edges, colours, texture) and then walks its rows; each row is
/// narrowed to a span and handed to one of two span fillers, one for single-colour fills and one for
/// interpolated or textured pixels. The helpers are `@inline(__always)` on plain values and pointers, so the
/// row and pixel loops compile to what one long function gave, with no closures or allocations in them.
extension SoftwareRasterizer {
    /// Rasterises indexed triangles. `image`, if given, is sampled nearest-neighbour at the interpolated
    /// texture coordinates and modulated by the vertex colour.
    func draw(vertices v: UnsafeBufferPointer<SDL_Vertex>, indices: UnsafeBufferPointer<Int32>, image: CanvasImage?,
              rows: Range<Int>) {
        var t = 0
        while t + 2 < indices.count {
            triangle(v[Int(indices[t])], v[Int(indices[t + 1])], v[Int(indices[t + 2])], image: image, rows: rows)
            t += 3
        }
    }

    /// One triangle clipped to `rows`: culls what cannot show, then fills row by row.
    private func triangle(_ a: SDL_Vertex, _ b: SDL_Vertex, _ c: SDL_Vertex, image: CanvasImage?, rows: Range<Int>) {
        // Rows first: each band sees every triangle, and most lie wholly in the other band.
        let minY = max(rows.lowerBound, Self.ceilInt(min(a.position.y, b.position.y, c.position.y) - 0.5))
        let maxY = min(rows.upperBound - 1, Self.floorInt(max(a.position.y, b.position.y, c.position.y) - 0.5))
        guard minY <= maxY, let k = TriangleCorners(a, b, c) else { return }
        let minX = max(0, Self.ceilInt(min(k.p0.x, k.p1.x, k.p2.x) - 0.5))
        let maxX = min(width - 1, Self.floorInt(max(k.p0.x, k.p1.x, k.p2.x) - 0.5))
        guard minX <= maxX else { return }

        var e = TriangleEdges(k, minX: minX, minY: minY)
        let s = TriangleShading(k, inv: 1 / k.area, textured: image != nil)
        let tex = TriangleTexture(k, image)
        let W = width
        let px = pixels
        for y in minY...maxY {
            // The row's candidate span (see `TriangleEdges.clip`).
            var lo = minX, hi = maxX
            var empty = false
            TriangleEdges.clip(e.w0Row, e.b0, e.w0dx, e.r0, minX, &lo, &hi, &empty)
            TriangleEdges.clip(e.w1Row, e.b1, e.w1dx, e.r1, minX, &lo, &hi, &empty)
            TriangleEdges.clip(e.w2Row, e.b2, e.w2dx, e.r2, minX, &lo, &hi, &empty)
            if !empty && lo <= hi {
                if s.flat || s.ramp {
                    Self.fillOneColour(px, row: y, width: W, lo, hi, e, s)
                } else {
                    Self.shadeSpan(px, base: y * W, lo, hi, e, s, tex)
                }
            }
            e.nextRow()
        }
    }

    /// One colour: finds the exact ends of the span, then fills it with no per-pixel tests (the inside of a
    /// triangle's row is one interval); opaque spans are a plain memory fill, feathered ones ramp alpha only.
    @inline(__always)
    private static func fillOneColour(_ px: UnsafeMutableBufferPointer<UInt32>, row y: Int, width W: Int, _ lo: Int,
                                      _ hi: Int, _ e: TriangleEdges, _ s: TriangleShading) {
        guard let (xa, xb) = e.exactSpan(lo, hi) else { return }
        let base = y * W
        if s.flat && s.flatAlpha == 255 {
            UnsafeMutableBufferPointer(rebasing: px[(base + xa)...(base + xb)]).update(repeating: 0xFF00_0000 | s.flatSrc)
        } else if s.flat {
            for x in xa...xb { px[base + x] = Self.blend(px[base + x], s.flatSrc, s.flatAlpha) }
        } else {
            let o = Float(xa - e.minX)
            var alpha = s.a2 + (e.w0Row + e.w0dx * o) * s.da0 + (e.w1Row + e.w1dx * o) * s.da1 + 0.5
            let step = e.w0dx * s.da0 + e.w1dx * s.da1
            for x in xa...xb {
                let ai = UInt32(max(0, min(255, alpha)))
                if ai > 0 { px[base + x] = ai == 255 ? 0xFF00_0000 | s.flatSrc : Self.blend(px[base + x], s.flatSrc, ai) }
                alpha += step
            }
        }
    }

    /// Interpolated colours or a texture: tests every pixel of the candidate span and shades the inside ones
    /// from their barycentric weights.
    @inline(__always)
    private static func shadeSpan(_ px: UnsafeMutableBufferPointer<UInt32>, base: Int, _ xs: Int, _ xe: Int,
                                  _ e: TriangleEdges, _ s: TriangleShading, _ tex: TriangleTexture) {
        let off = Float(xs - e.minX)
        var w0 = e.w0Row + e.w0dx * off, w1 = e.w1Row + e.w1dx * off, w2 = e.w2Row + e.w2dx * off
        let inv = s.inv
        for x in xs...xe {
            if w0 + e.b0 >= 0 && w1 + e.b1 >= 0 && w2 + e.b2 >= 0 {
                let l0 = w0 * inv, l1 = w1 * inv, l2 = 1 - l0 - l1
                var m = s.uniform ? s.col0 : s.col0 * l0 + s.col1 * l1 + s.col2 * l2
                if let texels = tex.texels {
                    let uv = tex.t0 * l0 + tex.t1 * l1 + tex.t2 * l2
                    let tx = min(max(Int(uv.x * tex.iw), 0), Int(tex.iw) - 1)
                    let ty = min(max(Int(uv.y * tex.ih), 0), Int(tex.ih) - 1)
                    let t = texels[ty * Int(tex.iw) + tx]
                    m *= SIMD4(Float((t >> 16) & 0xFF), Float((t >> 8) & 0xFF), Float(t & 0xFF), Float(t >> 24)) / 255
                }
                let ai = UInt32(max(0, min(255, m.w + 0.5)))
                if ai > 0 {
                    let src = UInt32(max(0, min(255, m.x + 0.5))) << 16 | UInt32(max(0, min(255, m.y + 0.5))) << 8
                        | UInt32(max(0, min(255, m.z + 0.5)))
                    px[base + x] = ai == 255 ? 0xFF00_0000 | src : Self.blend(px[base + x], src, ai)
                }
            }
            w0 += e.w0dx; w1 += e.w1dx; w2 += e.w2dx
        }
    }
}

/// A triangle's corners in counter-clockwise order (y down), with twice its area: the one place that decides
/// orientation, so edges, colours and texture coordinates are swapped together.
struct TriangleCorners {
    var p0: SIMD2<Float>, p1: SIMD2<Float>, p2: SIMD2<Float>
    var c0: SDL_Color, c1: SDL_Color, c2: SDL_Color
    var t0: SIMD2<Float>, t1: SIMD2<Float>, t2: SIMD2<Float>
    var area: Float

    /// Nil for a degenerate triangle or one whose three corners are fully transparent.
    @inline(__always)
    init?(_ a: SDL_Vertex, _ b: SDL_Vertex, _ c: SDL_Vertex) {
        p0 = SIMD2(a.position.x, a.position.y); p1 = SIMD2(b.position.x, b.position.y)
        p2 = SIMD2(c.position.x, c.position.y)
        c0 = a.color; c1 = b.color; c2 = c.color
        t0 = SIMD2(a.tex_coord.x, a.tex_coord.y); t1 = SIMD2(b.tex_coord.x, b.tex_coord.y)
        t2 = SIMD2(c.tex_coord.x, c.tex_coord.y)
        area = (p1.x - p0.x) * (p2.y - p0.y) - (p1.y - p0.y) * (p2.x - p0.x)
        if abs(area) < 1e-9 { return nil }
        if area < 0 { swap(&p0, &p1); swap(&c0, &c1); swap(&t0, &t1); area = -area }   // make it counter-clockwise (y down)
        if c0.a == 0 && c1.a == 0 && c2.a == 0 { return nil }
    }
}

/// The three edge functions E_ij(p) = (pj − pi) × (p − pi) at the first pixel centre of the current row, and
/// their steps per pixel and per row; a pixel is inside when all three plus their top-left bias are ≥ 0.
struct TriangleEdges {
    let minX: Int
    /// Top-left rule: pixels exactly on an edge belong to it only if it is a top or left edge.
    let b0: Float, b1: Float, b2: Float
    var w0Row: Float, w1Row: Float, w2Row: Float
    let w0dx: Float, w1dx: Float, w2dx: Float
    let w0dy: Float, w1dy: Float, w2dy: Float
    /// Reciprocals of the per-pixel steps, for the row span (a multiply instead of a divide per row).
    let r0: Float, r1: Float, r2: Float

    @inline(__always)
    init(_ k: TriangleCorners, minX: Int, minY: Int) {
        let p0 = k.p0, p1 = k.p1, p2 = k.p2
        self.minX = minX
        b0 = Self.bias(p1, p2); b1 = Self.bias(p2, p0); b2 = Self.bias(p0, p1)
        let sx = Float(minX) + 0.5, sy = Float(minY) + 0.5
        w0Row = Self.edge(p1, p2, sx, sy); w1Row = Self.edge(p2, p0, sx, sy); w2Row = Self.edge(p0, p1, sx, sy)
        w0dx = -(p2.y - p1.y); w1dx = -(p0.y - p2.y); w2dx = -(p1.y - p0.y)
        w0dy = p2.x - p1.x; w1dy = p0.x - p2.x; w2dy = p1.x - p0.x
        r0 = w0dx != 0 ? 1 / w0dx : 0; r1 = w1dx != 0 ? 1 / w1dx : 0; r2 = w2dx != 0 ? 1 / w2dx : 0
    }

    /// Edge function E_ij at (x, y); inside when all three are ≥ 0 (counter-clockwise, y down).
    @inline(__always) static func edge(_ i: SIMD2<Float>, _ j: SIMD2<Float>, _ x: Float, _ y: Float) -> Float {
        (j.x - i.x) * (y - i.y) - (j.y - i.y) * (x - i.x)
    }

    /// 0 for a top or left edge, else a hair below zero so pixel centres exactly on it are left to the neighbour.
    @inline(__always) static func bias(_ i: SIMD2<Float>, _ j: SIMD2<Float>) -> Float {
        let d = j - i
        let topLeft = (d.y == 0 && d.x > 0) || d.y < 0
        return topLeft ? 0 : -1e-7
    }

    /// Narrows a row's span `lo...hi` to where one edge function (value `w` + bias `b` at `minX`, step `d`, 1/d `r`)
    /// is ≥ 0 (each is linear in x), widened by a pixel each side; callers then test it exactly, so thin fan
    /// triangles don't scan their whole box. An edge parallel to the rows keeps the whole row or sets `empty`.
    /// Truncation instead of floor/ceil (libm calls on baseline x86-64): two pixels of margin cover it.
    /// (Called three times in the row loop: a helper returning the span was left un-inlined by the compiler.)
    @inline(__always)
    static func clip(_ w: Float, _ b: Float, _ d: Float, _ r: Float, _ minX: Int,
                     _ lo: inout Int, _ hi: inout Int, _ empty: inout Bool) {
        let v = w + b
        if d > 0 { lo = max(lo, minX + Int(max(-v * r, -1e7)) - 2) }
        else if d < 0 { hi = min(hi, minX + Int(min(-v * r, 1e7)) + 2) }
        else if v < 0 { empty = true }
    }

    /// Whether pixel `x` of the current row is inside.
    @inline(__always)
    func inside(_ x: Int) -> Bool {
        let o = Float(x - minX)
        return w0Row + w0dx * o + b0 >= 0 && w1Row + w1dx * o + b1 >= 0 && w2Row + w2dx * o + b2 >= 0
    }

    /// The first and last inside pixels of `lo...hi` in the current row, or nil.
    @inline(__always)
    func exactSpan(_ lo: Int, _ hi: Int) -> (Int, Int)? {
        var xa = lo, xb = hi
        while xa <= xb && !inside(xa) { xa += 1 }
        while xb >= xa && !inside(xb) { xb -= 1 }
        return xa <= xb ? (xa, xb) : nil
    }

    /// Moves the edge functions down one row.
    @inline(__always)
    mutating func nextRow() { w0Row += w0dy; w1Row += w1dy; w2Row += w2dy }
}

/// How a triangle's pixels get their colour, decided once per triangle: a fixed source pixel (`flat`, most fills),
/// one colour with alpha varying (`ramp`, the feathered edges of every shape: only alpha is interpolated, from the
/// edge functions already at hand), or all four channels interpolated barycentrically.
struct TriangleShading {
    let uniform: Bool, flat: Bool, ramp: Bool
    let flatAlpha: UInt32, flatSrc: UInt32
    let col0: SIMD4<Float>, col1: SIMD4<Float>, col2: SIMD4<Float>
    /// Alpha at corner 2 and its change per unit of edge functions 0 and 1 (for `ramp`).
    let a2: Float, da0: Float, da1: Float
    /// 1 / (twice the area): edge functions to barycentric weights.
    let inv: Float

    @inline(__always)
    init(_ k: TriangleCorners, inv: Float, textured: Bool) {
        let c0 = k.c0, c1 = k.c1, c2 = k.c2
        self.inv = inv
        uniform = c0.r == c1.r && c1.r == c2.r && c0.g == c1.g && c1.g == c2.g && c0.b == c1.b && c1.b == c2.b
            && c0.a == c1.a && c1.a == c2.a
        col0 = SIMD4<Float>(Float(c0.r), Float(c0.g), Float(c0.b), Float(c0.a))
        col1 = SIMD4<Float>(Float(c1.r), Float(c1.g), Float(c1.b), Float(c1.a))
        col2 = SIMD4<Float>(Float(c2.r), Float(c2.g), Float(c2.b), Float(c2.a))
        flat = uniform && !textured
        flatAlpha = UInt32(c0.a)
        flatSrc = UInt32(c0.r) << 16 | UInt32(c0.g) << 8 | UInt32(c0.b)
        ramp = !uniform && !textured && c0.r == c1.r && c1.r == c2.r && c0.g == c1.g && c1.g == c2.g
            && c0.b == c1.b && c1.b == c2.b
        a2 = Float(c2.a); da0 = (Float(c0.a) - a2) * inv; da1 = (Float(c1.a) - a2) * inv
    }
}

/// The texture a triangle samples nearest-neighbour, if any, with its corners' texture coordinates.
struct TriangleTexture {
    let t0: SIMD2<Float>, t1: SIMD2<Float>, t2: SIMD2<Float>
    let texels: [UInt32]?
    let iw: Float, ih: Float

    @inline(__always)
    init(_ k: TriangleCorners, _ image: CanvasImage?) {
        t0 = k.t0; t1 = k.t1; t2 = k.t2
        texels = image?.argb
        iw = image.map { Float($0.width) } ?? 0; ih = image.map { Float($0.height) } ?? 0
    }
}
