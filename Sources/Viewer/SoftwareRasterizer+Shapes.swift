/// Circles, rings, areas under curves and image blits, each clipped to one band's rows.
extension SoftwareRasterizer {
    /// Rows a circle of radius `outer` around `c` touches within `rows`, or nil.
    @inline(__always) func circleRows(_ c: SIMD2<Float>, outer: Float, _ rows: Range<Int>) -> ClosedRange<Int>? {
        let y0 = max(rows.lowerBound, Self.ceilInt(c.y - outer - 0.5)), y1 = min(rows.upperBound - 1, Self.floorInt(c.y + outer - 0.5))
        return y0 <= y1 ? y0...y1 : nil
    }

    /// Row `y` of that circle: dy² from the centre and the first and last columns whose pixel centres lie inside, or nil.
    @inline(__always) func circleSpan(_ c: SIMD2<Float>, outer: Float, row y: Int) -> (dy2: Float, xa: Int, xb: Int)? {
        let dy = Float(y) + 0.5 - c.y, dy2 = dy * dy
        guard dy2 < outer * outer else { return nil }
        let ho = (outer * outer - dy2).squareRoot()
        let xa = max(0, Self.ceilInt(c.x - ho - 0.5)), xb = min(width - 1, Self.floorInt(c.x + ho - 0.5))
        return xa <= xb ? (dy2, xa, xb) : nil
    }

    /// Coverage of a pixel whose centre is `d` from the centre: 1 inside `r - ½`, 0 outside `r + ½`, linear between
    /// (what the feathered polygon of `Canvas.fillConvex` gives, without the polygon).
    func disc(center c: SIMD2<Float>, radius r: Float, color: RGBA, rows: Range<Int>) {
        guard color.a > 0, r > 0 else { return }
        let outer = r + 0.5, inner = r - 0.5
        guard let ys = circleRows(c, outer: outer, rows) else { return }
        let src = UInt32(color.r) << 16 | UInt32(color.g) << 8 | UInt32(color.b), ca = Float(color.a)
        let W = width, px = pixels
        for y in ys {
            guard let (dy2, xa, xb) = circleSpan(c, outer: outer, row: y) else { continue }
            // The fully covered middle of the row, if any.
            var ia = xb + 1, ib = xb
            if inner > 0, dy2 < inner * inner {
                let hi = (inner * inner - dy2).squareRoot()
                ia = max(xa, Self.ceilInt(c.x - hi - 0.5)); ib = min(xb, Self.floorInt(c.x + hi - 0.5))
                if ia > ib { ia = xb + 1; ib = xb }
            }
            let base = y * W
            for x in xa...xb {
                if x == ia {
                    if color.a == 255 {
                        UnsafeMutableBufferPointer(rebasing: px[(base + ia)...(base + ib)]).update(repeating: 0xFF00_0000 | src)
                    } else {
                        for i in ia...ib { px[base + i] = Self.blend(px[base + i], src, UInt32(color.a)) }
                    }
                    continue
                }
                if x > ia && x <= ib { continue }
                let dx = Float(x) + 0.5 - c.x
                let cover = min(max(outer - (dx * dx + dy2).squareRoot(), 0), 1)
                let a = UInt32(cover * ca + 0.5)
                if a > 0 { px[base + x] = a == 255 ? 0xFF00_0000 | src : Self.blend(px[base + x], src, a) }
            }
        }
    }

    /// Coverage `clamp((width + 1)/2 − |d − r|, 0, 1)` (a `width`-pixel core plus half a pixel of feather each side,
    /// as `Canvas.strokePolyline` draws it); widths under one pixel are one pixel wide and fainter.
    func ring(center c: SIMD2<Float>, radius r: Float, width w: Float, color: RGBA, rows: Range<Int>) {
        guard color.a > 0, r > 0, w > 0 else { return }
        let fade = min(w, 1), half = (max(w, 1) + 1) / 2
        let outer = r + half, hole = r - half
        guard let ys = circleRows(c, outer: outer, rows) else { return }
        let src = UInt32(color.r) << 16 | UInt32(color.g) << 8 | UInt32(color.b), ca = Float(color.a) * fade
        let W = width, px = pixels
        @inline(__always) func plot(_ x: Int, _ base: Int, _ dy2: Float) {
            let dx = Float(x) + 0.5 - c.x
            let cover = min(max(half - abs((dx * dx + dy2).squareRoot() - r), 0), 1)
            let a = UInt32(cover * ca + 0.5)
            if a > 0 { px[base + x] = a == 255 ? 0xFF00_0000 | src : Self.blend(px[base + x], src, a) }
        }
        for y in ys {
            guard let (dy2, xa, xb) = circleSpan(c, outer: outer, row: y) else { continue }
            let base = y * W
            if hole > 0, dy2 < hole * hole {
                // Two arcs: skip the hole, where the coverage is zero.
                let hh = (hole * hole - dy2).squareRoot()
                let la = min(xb, Self.floorInt(c.x - hh - 0.5) + 1), rb = max(xa, Self.ceilInt(c.x + hh - 0.5) - 1)
                if xa <= la { for x in xa...la { plot(x, base, dy2) } }
                if max(rb, la + 1) <= xb { for x in max(rb, la + 1)...xb { plot(x, base, dy2) } }
            } else {
                for x in xa...xb { plot(x, base, dy2) }
            }
        }
    }

    /// Fills, in each pixel column whose centre lies within the curve's x range, the pixels whose centres are
    /// between the curve (linearly interpolated) and `baseline` — the same pixels its quads would cover.
    func underCurve(_ p: UnsafeBufferPointer<SIMD2<Float>>, baseline: Float, color c: RGBA, rows: Range<Int>) {
        guard p.count >= 2, c.a > 0 else { return }
        let a = UInt32(c.a), src = UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        let W = width
        let px = pixels
        let rowLo = Float(rows.lowerBound), rowHi = Float(rows.upperBound)
        var seg = 0
        let x0 = max(0, Int(max(p[0].x - 0.5, -1).rounded(.up)))
        let x1 = min(width - 1, Int(min(p[p.count - 1].x - 0.5, Float(width)).rounded(.down)))
        guard x0 <= x1 else { return }
        for x in x0...x1 {
            let cx = Float(x) + 0.5
            while seg < p.count - 2 && p[seg + 1].x < cx { seg += 1 }
            let q0 = p[seg], q1 = p[seg + 1]
            let t = q1.x > q0.x ? min(max((cx - q0.x) / (q1.x - q0.x), 0), 1) : 1
            let top = q0.y + (q1.y - q0.y) * t
            // Rows whose centre y + 0.5 lies in [min(top, baseline), max(top, baseline)).
            let lo = max(min(top, baseline), rowLo + 0.5), hi = min(max(top, baseline), rowHi + 0.5)
            guard lo < hi else { continue }
            let ya = Int((lo - 0.5).rounded(.up)), yb = Int((hi - 0.5).rounded(.up)) - 1
            guard ya <= yb else { continue }
            for y in max(ya, rows.lowerBound)...min(yb, rows.upperBound - 1) {
                px[y * W + x] = a == 255 ? 0xFF00_0000 | src : Self.blend(px[y * W + x], src, a)
            }
        }
    }

    /// Copies `image` into `rect`, scaled nearest-neighbour (the model's-eye panels).
    func blit(_ image: CanvasImage, into r: Rect, rows: Range<Int>) {
        let x0 = max(0, Int(r.x.rounded())), x1 = min(width, Int(r.maxX.rounded()))
        let y0 = max(rows.lowerBound, Int(r.y.rounded())), y1 = min(rows.upperBound, Int(r.maxY.rounded()))
        guard x0 < x1, y0 < y1, image.width > 0, image.height > 0 else { return }
        let sx = Float(image.width) / r.w, sy = Float(image.height) / r.h
        let W = width, IW = image.width
        let src = image.argb
        let px = pixels
        if !image.blended {
            for y in y0..<y1 {
                let ty = min(image.height - 1, Int((Float(y) + 0.5 - r.y) * sy))
                for x in x0..<x1 {
                    let tx = min(IW - 1, Int((Float(x) + 0.5 - r.x) * sx))
                    px[y * W + x] = 0xFF00_0000 | src[ty * IW + tx]
                }
            }
            return
        }
        // Source-over with the texel's alpha, one run of columns per texel: a transparent texel (most of a mask
        // overlay) skips its whole run with one test instead of one per pixel.
        var runs: [(texel: Int, from: Int, to: Int)] = []
        var x = x0
        while x < x1 {
            let t = min(IW - 1, Int((Float(x) + 0.5 - r.x) * sx))
            var e = x + 1
            while e < x1 && min(IW - 1, Int((Float(e) + 0.5 - r.x) * sx)) == t { e += 1 }
            runs.append((t, x, e))
            x = e
        }
        for y in y0..<y1 {
            let row = min(image.height - 1, Int((Float(y) + 0.5 - r.y) * sy)) * IW, base = y * W
            for run in runs {
                let s = src[row + run.texel], a = s >> 24
                guard a > 0 else { continue }
                let ia = 255 - a
                let sr = (s >> 16 & 0xFF) * a + 127, sg = (s >> 8 & 0xFF) * a + 127, sb = (s & 0xFF) * a + 127
                for i in (base + run.from)..<(base + run.to) {
                    let d = px[i]
                    let rr = (sr + (d >> 16 & 0xFF) * ia) / 255, gg = (sg + (d >> 8 & 0xFF) * ia) / 255
                    let bb = (sb + (d & 0xFF) * ia) / 255
                    px[i] = 0xFF00_0000 | rr << 16 | gg << 8 | bb
                }
            }
        }
    }
}
