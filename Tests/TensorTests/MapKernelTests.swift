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
}
