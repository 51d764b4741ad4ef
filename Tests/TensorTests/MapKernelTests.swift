import XCTest
@testable import Tensor

/// The C kernels behind the objects predictor's hot ops (CBLAS/maps.h, CBLAS/pairwise.h) against plain Swift
/// written the way the ops are defined, bit for bit: a faster kernel must not change a single trained model.
/// Shapes include the shipped maps (16×16, 24 channels, 48-wide edges) and ragged ones that take the edge paths.
final class MapKernelTests: XCTestCase {
    var rng = RNG(seed: 4711)

    func testTranslateMatchesTheBilinearDefinitionBitForBit() throws {
        for (n, h, w, c) in [(3, 16, 16, 24), (2, 7, 5, 17), (1, 16, 16, 4), (2, 1, 3, 1)] {
            let values = (0..<(n * h * w * c)).map { _ in rng.uniform() * 2 - 0.5 }
            var shifts: [Float] = []
            for i in 0..<(n * c) {
                switch i % 4 {
                case 0: shifts += [Float(Int(rng.uniform() * 7) - 3), Float(Int(rng.uniform() * 7) - 3)]  // whole cells
                case 1: shifts += [Float(w) + 0.5, -Float(h) - 1.25]                                       // off the map
                default: shifts += [(rng.uniform() * 2 - 1) * Float(w + 2), (rng.uniform() * 2 - 1) * Float(h + 2)]
                }
            }
            let out = try Tensor.translate(Tensor(values, shape: [n, h, w, c]), by: Tensor(shifts, shape: [n, c, 2])).scalars
            let expected = reference(values, shifts, n, h, w, c)
            for i in out.indices where out[i].bitPattern != expected[i].bitPattern {
                XCTFail("translate [\(n), \(h), \(w), \(c)] element \(i): \(out[i]) against \(expected[i])"); return
            }
        }
    }

    func testTranslateGradientsMatchTheScatterDefinitionBitForBit() throws {
        for (n, h, w, c) in [(2, 16, 16, 24), (2, 7, 5, 17), (1, 3, 4, 2)] {
            let values = (0..<(n * h * w * c)).map { _ in rng.uniform() * 2 - 0.5 }
            let shifts = (0..<(n * c)).flatMap { i -> [Float] in
                i % 3 == 0 ? [Float(Int(rng.uniform() * 5) - 2), Float(w) + 0.5]
                           : [(rng.uniform() * 2 - 1) * Float(w + 1), (rng.uniform() * 2 - 1) * Float(h + 1)]
            }
            let g = (0..<(n * h * w * c)).map { _ in rng.uniform() * 2 - 1 }
            let maps = try Tensor(values, shape: [n, h, w, c], requiresGrad: true)
            let moves = try Tensor(shifts, shape: [n, c, 2], requiresGrad: true)
            try Tensor.translate(maps, by: moves).backward(try Tensor(g, shape: [n, h, w, c]))
            // Every output cell, row by row, adds weight × gradient to its four taps; the shifts' gradient is the sum
            // over cells of the gradient times the sample's slope, negated.
            var dm = [Float](repeating: 0, count: values.count), dsh = [Float](repeating: 0, count: shifts.count)
            for i in 0..<n { for k in 0..<c {
                let tx = -shifts[2 * (i * c + k)], ty = -shifts[2 * (i * c + k) + 1]
                let bx = tx.rounded(.down), by = ty.rounded(.down), fx = tx - bx, fy = ty - by
                let weights = [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx]
                var gx: Float = 0, gy: Float = 0
                for y in 0..<h { for x in 0..<w {
                    let gv = g[((i * h + y) * w + x) * c + k]
                    var p = [Float](repeating: 0, count: 4)
                    for (t, (dy, dx)) in [(0, 0), (0, 1), (1, 0), (1, 1)].enumerated() {
                        let sy = y + Int(by) + dy, sx = x + Int(bx) + dx
                        guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                        let at = ((i * h + sy) * w + sx) * c + k
                        dm[at] += weights[t] * gv
                        p[t] = values[at]
                    }
                    gx -= gv * ((1 - fy) * (p[1] - p[0]) + fy * (p[3] - p[2]))
                    gy -= gv * ((1 - fx) * (p[2] - p[0]) + fx * (p[3] - p[1]))
                } }
                dsh[2 * (i * c + k)] = gx; dsh[2 * (i * c + k) + 1] = gy
            } }
            for (name, got, want) in [("maps", maps.grad, dm), ("shifts", moves.grad, dsh)] {
                let v = try XCTUnwrap(got, name).scalars
                for x in want.indices where v[x].bitPattern != want[x].bitPattern {
                    XCTFail("translate [\(n), \(h), \(w), \(c)] \(name) gradient \(x): \(v[x]) against \(want[x])"); break
                }
            }
        }
    }

    /// out[y, x] = Σ over the taps inside the map of weight × value, in the order 00, 01, 10, 11.
    private func reference(_ p: [Float], _ s: [Float], _ n: Int, _ h: Int, _ w: Int, _ c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: p.count)
        for i in 0..<n { for k in 0..<c {
            let tx = -s[2 * (i * c + k)], ty = -s[2 * (i * c + k) + 1]
            let bx = tx.rounded(.down), by = ty.rounded(.down), fx = tx - bx, fy = ty - by
            let weights = [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx]
            for y in 0..<h { for x in 0..<w {
                var v: Float = 0
                for (t, (dy, dx)) in [(0, 0), (0, 1), (1, 0), (1, 1)].enumerated() {
                    let sy = y + Int(by) + dy, sx = x + Int(bx) + dx
                    if sy >= 0, sy < h, sx >= 0, sx < w { v += weights[t] * p[((i * h + sy) * w + sx) * c + k] }
                }
                out[((i * h + y) * w + x) * c + k] = v
            } }
        } }
        return out
    }

    func testSwappingTheLastTwoAxesCopiesAndAccumulatesExactly() throws {
        for (b, q, p) in [(3, 256, 24), (2, 24, 256), (1, 37, 33), (4, 16, 16), (2, 1, 5), (1, 17, 1)] {
            let x = try Tensor((0..<(b * q * p)).map { _ in rng.uniform() }, shape: [b, q, p], requiresGrad: true)
            let y = try x.permuted([0, 2, 1])
            let xs = x.scalars, ys = y.scalars
            for bb in 0..<b { for i in 0..<p { for j in 0..<q {
                XCTAssertEqual(ys[(bb * p + i) * q + j], xs[(bb * q + j) * p + i], "[\(b), \(q), \(p)] at (\(bb), \(i), \(j))")
            } } }
            // Backward permutes back; the second use of x adds into the gradient the first one wrote.
            let g1 = try Tensor((0..<(b * p * q)).map { _ in rng.uniform() }, shape: [b, p, q])
            let g2 = try Tensor((0..<(b * p * q)).map { _ in rng.uniform() }, shape: [b, p, q])
            try ((y * g1).sum() + (x.permuted([0, 2, 1]) * g2).sum()).backward()
            let grad = try XCTUnwrap(x.grad).scalars, a = g1.scalars, c = g2.scalars
            for bb in 0..<b { for i in 0..<p { for j in 0..<q {
                let at = (bb * p + i) * q + j
                XCTAssertEqual(grad[(bb * q + j) * p + i], a[at] + c[at], "gradient of [\(b), \(q), \(p)] at (\(bb), \(i), \(j))")
            } } }
        }
    }

    func testPairwiseBlocksAddPairsInTheOnePairOrder() throws {
        for (m, c, h, h2) in [(2, 24, 48, 48), (1, 5, 20, 33), (3, 8, 16, 64), (1, 4, 3, 2)] {
            let r = (0..<(m * c * h)).map { _ in rng.uniform() * 2 - 1 }, s = (0..<(m * c * h)).map { _ in rng.uniform() * 2 - 1 }
            let weight = (0..<(h2 * h)).map { _ in (rng.uniform() * 2 - 1) / Float(h).squareRoot() }
            let bias = (0..<h2).map { _ in rng.uniform() * 0.2 - 0.1 }
            let out = try Tensor.pairwiseMessages(receivers: Tensor(r, shape: [m, c, h]), senders: Tensor(s, shape: [m, c, h]),
                                                  weight: Tensor(weight, shape: [h2, h]), bias: Tensor(bias, shape: [h2])).scalars
            for mm in 0..<m { for i in 0..<c {
                var acc = [Float](repeating: 0, count: h2)
                for j in 0..<c {
                    let a = (0..<h).map { k in max(r[(mm * c + i) * h + k] + s[(mm * c + j) * h + k], 0) }
                    for q in 0..<h2 {
                        var z = bias[q]
                        for k in 0..<h { z = DirectConv.available ? z.addingProduct(a[k], weight[q * h + k]) : z + a[k] * weight[q * h + k] }
                        acc[q] += max(z, 0)
                    }
                }
                for q in 0..<h2 {
                    let got = out[(mm * c + i) * h2 + q], want = acc[q] * (1 / Float(c))
                    // The AVX-512 kernel fuses each multiply-add as written here; the portable one may round in between.
                    if DirectConv.available { XCTAssertEqual(got.bitPattern, want.bitPattern, "m \(mm) i \(i) q \(q): \(got) against \(want)") }
                    else { XCTAssertEqual(got, want, accuracy: 1e-4 * max(1, abs(want))) }
                }
            } }
        }
    }

    func testPairwiseGradientsAddTheirTermsInTheOnePairOrder() throws {
        guard DirectConv.available else { throw XCTSkip("the portable kernel rounds differently; GradientTests covers it") }
        for (m, c, h, h2) in [(2, 24, 48, 48), (1, 5, 20, 33), (2, 9, 16, 6)] {
            let rv = (0..<(m * c * h)).map { _ in rng.uniform() * 2 - 1 }, sv = (0..<(m * c * h)).map { _ in rng.uniform() * 2 - 1 }
            let wv = (0..<(h2 * h)).map { _ in (rng.uniform() * 2 - 1) / Float(h).squareRoot() }
            let bv = (0..<h2).map { _ in rng.uniform() * 0.2 - 0.1 }, gv = (0..<(m * c * h2)).map { _ in rng.uniform() * 2 - 1 }
            let r = try Tensor(rv, shape: [m, c, h], requiresGrad: true), s = try Tensor(sv, shape: [m, c, h], requiresGrad: true)
            let w = try Tensor(wv, shape: [h2, h], requiresGrad: true), b = try Tensor(bv, shape: [h2], requiresGrad: true)
            try Tensor.pairwiseMessages(receivers: r, senders: s, weight: w, bias: b).backward(try Tensor(gv, shape: [m, c, h2]))
            // The kernel's order: per m and receiver i, pairs j in order; z and da fused multiply-adds from the bias and
            // from zero; dW and db per m, then summed over m in order.
            var dr = [Float](repeating: 0, count: m * c * h), ds = dr
            var dW = [Float](repeating: 0, count: h2 * h), db = [Float](repeating: 0, count: h2)
            let scale = 1 / Float(c)
            for mm in 0..<m {
                var dWm = [Float](repeating: 0, count: h2 * h), dbm = [Float](repeating: 0, count: h2)
                for i in 0..<c {
                    var dri = [Float](repeating: 0, count: h), acc = [Float](repeating: 0, count: h2 * h)
                    for j in 0..<c {
                        let a = (0..<h).map { k in max(rv[(mm * c + i) * h + k] + sv[(mm * c + j) * h + k], 0) }
                        var dz = [Float](repeating: 0, count: h2)
                        for q in 0..<h2 {
                            var z = bv[q]
                            for k in 0..<h { z = z.addingProduct(a[k], wv[q * h + k]) }
                            dz[q] = z > 0 ? gv[(mm * c + i) * h2 + q] * scale : 0
                            dbm[q] += dz[q]
                        }
                        for k in 0..<h {
                            var da: Float = 0
                            for q in 0..<h2 { da = da.addingProduct(dz[q], wv[q * h + k]) }
                            let dp: Float = a[k] > 0 ? da : 0
                            dri[k] += dp
                            ds[(mm * c + j) * h + k] += dp
                        }
                        for q in 0..<h2 { for k in 0..<h { acc[q * h + k] = acc[q * h + k].addingProduct(dz[q], a[k]) } }
                    }
                    for k in 0..<h { dr[(mm * c + i) * h + k] = dri[k] }
                    for x in 0..<(h2 * h) { dWm[x] += acc[x] }
                }
                for x in 0..<(h2 * h) { dW[x] += dWm[x] }
                for q in 0..<h2 { db[q] += dbm[q] }
            }
            for (name, got, want) in [("receivers", r.grad, dr), ("senders", s.grad, ds), ("weight", w.grad, dW), ("bias", b.grad, db)] {
                let values = try XCTUnwrap(got, name).scalars
                for x in want.indices where values[x].bitPattern != want[x].bitPattern {
                    XCTFail("[\(m), \(c), \(h), \(h2)] \(name) gradient \(x): \(values[x]) against \(want[x])"); break
                }
            }
        }
    }
}
