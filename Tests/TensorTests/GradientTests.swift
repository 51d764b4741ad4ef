import XCTest
@testable import Tensor

/// Every op's backward against central finite differences, on random shapes including broadcasting and
/// strided / padded (transposed) convolutions.
final class GradientTests: XCTestCase {
    var rng = RNG(seed: 2024)

    func testBroadcastingArithmetic() throws {
        let pairs: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([2, 1, 3], [4, 1]), ([5], []), ([2, 3, 1], [1, 3, 4]), ([1], [2, 2])]
        for (sa, sb) in pairs {
            let a = GradCheck.input(sa, &rng), b = GradCheck.input(sb, &rng)
            try GradCheck.check("add \(sa) \(sb)", [a, b]) { try $0[0] + $0[1] }
            try GradCheck.check("sub \(sa) \(sb)", [a, b]) { try $0[0] - $0[1] }
            try GradCheck.check("mul \(sa) \(sb)", [a, b]) { try $0[0] * $0[1] }
            let d = GradCheck.input(sb, &rng, lo: 0.5, hi: 2)
            try GradCheck.check("div \(sa) \(sb)", [a, d]) { try $0[0] / $0[1] }
        }
        let x = GradCheck.input([3, 5], &rng)
        try GradCheck.check("scalar ops", [x]) { try (2 - $0[0] * 3 + 1) / 4 }
        try GradCheck.check("negate", [x]) { try -$0[0] }
    }

    func testUnaryActivations() throws {
        let x = GradCheck.awayFromZero([4, 7], &rng)
        try GradCheck.check("relu", [x]) { try $0[0].relu() }
        try GradCheck.check("abs", [x]) { try $0[0].abs() }
        try GradCheck.check("gelu", [x]) { try $0[0].gelu() }
        try GradCheck.check("silu", [x]) { try $0[0].silu() }
        try GradCheck.check("tanh", [x]) { try $0[0].tanh() }
        try GradCheck.check("sigmoid", [x]) { try $0[0].sigmoid() }
        try GradCheck.check("exp", [x]) { try $0[0].exp() }
        try GradCheck.check("square", [x]) { try $0[0].square() }
        try GradCheck.check("sin", [x]) { try $0[0].sin() }
        try GradCheck.check("cos", [x]) { try $0[0].cos() }
        try GradCheck.check("clamp", [x]) { try $0[0].clamp(min: -0.55, max: 0.45) }
        let p = GradCheck.input([3, 6], &rng, lo: 0.5, hi: 2)
        try GradCheck.check("log", [p]) { try $0[0].log() }
        try GradCheck.check("sqrt", [p]) { try $0[0].sqrt() }
        try GradCheck.check("pow", [p]) { try $0[0].pow(1.7) }
    }

    func testReductions() throws {
        let x = GradCheck.input([3, 4, 5], &rng)
        try GradCheck.check("sum", [x]) { try $0[0].sum() }
        try GradCheck.check("mean", [x]) { try $0[0].mean() }
        try GradCheck.check("sum axes [0,2]", [x]) { try $0[0].sum(axes: [0, 2]) }
        try GradCheck.check("sum axis -1 keep", [x]) { try $0[0].sum(axes: [-1], keepDims: true) }
        try GradCheck.check("mean axis 1", [x]) { try $0[0].mean(axes: [1]) }
        try GradCheck.check("variance axis 0", [x]) { try $0[0].variance(axes: [0]) }
        try GradCheck.check("std axis 0", [x]) { try $0[0].std(axes: [0], eps: 1e-3) }
        let y = GradCheck.input([4, 1], &rng)
        try GradCheck.check("expand", [y]) { try $0[0].expand(to: [2, 4, 3]) }
    }

    func testShapeOps() throws {
        let x = GradCheck.input([2, 3, 4], &rng)
        try GradCheck.check("reshape", [x]) { try $0[0].reshaped([4, -1]).square() }
        try GradCheck.check("permute", [x]) { try $0[0].permuted([2, 0, 1]) }
        try GradCheck.check("transposed", [x]) { try $0[0].transposed() }
        try GradCheck.check("slice axis 0 (view)", [x]) { try $0[0].slice(axis: 0, 1..<2) }
        try GradCheck.check("slice axis 1", [x]) { try $0[0].slice(axis: 1, 1..<3) }
        try GradCheck.check("select time step", [x]) { try $0[0].select(axis: 1, index: 2) }
        try GradCheck.check("split", [x]) { t in
            let parts = try t[0].split([1, 3], axis: 2)
            return try parts[0] * 2 + parts[1].sum(axes: [2], keepDims: true)
        }
        try GradCheck.check("indexSelect with repeats", [x]) { try $0[0].indexSelect([1, 0, 1, 1]) }
        let y = GradCheck.input([2, 5, 4], &rng), z = GradCheck.input([2, 1, 4], &rng)
        try GradCheck.check("concat axis 1", [x, y, z]) { try Tensor.concat($0, axis: 1) }
        let w = GradCheck.input([2, 3, 4], &rng)
        try GradCheck.check("stack axis 1", [x, w]) { try Tensor.stack($0, axis: 1) }
        try GradCheck.check("unsqueeze/squeeze", [x]) { try $0[0].unsqueezed(1).squeezed(1) * $0[0] }
        // A tensor used twice accumulates both contributions.
        try GradCheck.check("reuse", [x]) { try $0[0] * $0[0] + $0[0].slice(axis: 2, 0..<4) }
    }

    func testMatmulAndLinear() throws {
        let a = GradCheck.input([3, 4], &rng), b = GradCheck.input([4, 5], &rng)
        try GradCheck.check("matmul", [a, b]) { try $0[0].matmul($0[1]) }
        let a3 = GradCheck.input([2, 3, 4], &rng)
        try GradCheck.check("matmul [B,M,K]x[K,N]", [a3, b]) { try $0[0].matmul($0[1]) }
        let b3 = GradCheck.input([2, 4, 2], &rng)
        try GradCheck.check("batched matmul", [a3, b3]) { try $0[0].matmul($0[1]) }
        let x = GradCheck.input([6, 5], &rng), w = GradCheck.input([3, 5], &rng), bias = GradCheck.input([3], &rng)
        try GradCheck.check("linear", [x, w, bias]) { try Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        try GradCheck.check("linear relu", [x, w, bias]) { try Tensor.linear($0[0], weight: $0[1], bias: $0[2], activation: .relu) }
        try GradCheck.check("linear no bias, rank 3", [GradCheck.input([2, 3, 5], &rng), w]) { try Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    func testConv2d() throws {
        // (input shape, out channels, kernel, stride, padding, activation)
        let cases: [([Int], Int, Int, Int, Int, Activation)] = [
            ([2, 7, 6, 3], 4, 3, 2, 1, .identity),
            ([2, 8, 8, 3], 5, 4, 2, 1, .relu),
            ([1, 5, 5, 2], 3, 1, 1, 0, .identity),   // pointwise: no im2col
            ([3, 9, 7, 2], 2, 2, 3, 0, .identity),   // stride larger than kernel
            ([2, 6, 6, 4], 3, 3, 1, 2, .relu),       // padding larger than needed
            ([2, 9, 8, 3], 32, 4, 2, 1, .relu),      // RGB input layer: AVX-512 direct kernels where available
            ([1, 7, 6, 1], 16, 3, 1, 1, .identity),
            ([1, 6, 5, 2], 64, 2, 2, 0, .relu),      // direct forward, GEMM weight gradient
            ([2, 6, 5, 8], 3, 3, 1, 1, .identity),   // ≤ 4 outputs: NarrowConv
            ([1, 7, 6, 16], 1, 3, 2, 1, .relu),
            ([2, 5, 5, 8], 4, 2, 1, 0, .identity),
        ]
        for (shape, cout, k, s, p, act) in cases {
            let x = GradCheck.input(shape, &rng)
            let w = GradCheck.input([cout, k, k, shape[3]], &rng), b = GradCheck.input([cout], &rng)
            try GradCheck.check("conv2d \(shape) k\(k) s\(s) p\(p) \(act)", [x, w, b], samples: 30) {
                try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: s, padding: p, activation: act)
            }
        }
    }

    func testDirectConvMatchesGEMMPath() throws {
        for (shape, cout, k, s, p) in [([3, 16, 16, 3], 32, 4, 2, 1), ([2, 9, 11, 1], 16, 3, 1, 2), ([2, 8, 8, 2], 64, 3, 2, 1),
                                     ([3, 12, 10, 16], 3, 3, 1, 1), ([2, 9, 9, 8], 4, 3, 2, 1)] {
            let x = Tensor.randn(shape, rng: &rng), w = Tensor.randn([cout, k, k, shape[3]], rng: &rng), b = Tensor.randn([cout], rng: &rng)
            func run() throws -> ([Float], [Float]) {
                let wg = w.detached(); wg.requiresGrad = true
                let y = try Tensor.conv2d(x, weight: wg, bias: b, stride: s, padding: p, activation: .relu)
                try y.backward(Tensor.randn(y.shape, rng: &rng))
                return (y.scalars, wg.grad!.scalars)
            }
            let saved = rng
            let direct = try run()
            ConvTuning.directKernels = false
            defer { ConvTuning.directKernels = true }
            rng = saved
            let gemm = try run()
            assertClose(direct.0, gemm.0, tol: 1e-5, "forward \(shape)→\(cout)")
            assertClose(direct.1, gemm.1, tol: 1e-4, "weight gradient \(shape)→\(cout)")
        }
    }

    func testConv2dAcrossChunks() throws {
        // Force one image per chunk so the chunked forward/backward paths (beta accumulation) are exercised.
        let saved = ConvTuning.chunkFloats
        ConvTuning.chunkFloats = 1
        defer { ConvTuning.chunkFloats = saved }
        let x = GradCheck.input([5, 6, 6, 2], &rng)
        let w = GradCheck.input([3, 4, 4, 2], &rng), b = GradCheck.input([3], &rng)
        try GradCheck.check("conv2d chunked", [x, w, b], samples: 30) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: .relu)
        }
        let wt = GradCheck.input([2, 3, 3, 3], &rng)
        try GradCheck.check("convTranspose2d chunked", [x, wt, b], samples: 30) {
            try Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
        }
    }

    func testConvTranspose2d() throws {
        let cases: [([Int], Int, Int, Int, Int, Int, Activation)] = [
            ([2, 4, 4, 3], 2, 4, 2, 1, 0, .identity),  // doubles: 4 → 8
            ([1, 3, 5, 2], 3, 3, 2, 1, 1, .relu),      // output padding
            ([2, 4, 3, 2], 2, 3, 1, 0, 0, .identity),
            ([1, 2, 2, 3], 2, 2, 3, 0, 0, .identity),  // stride larger than kernel: gaps
        ]
        for (shape, cout, k, s, p, op, act) in cases {
            let x = GradCheck.input(shape, &rng)
            let w = GradCheck.input([shape[3], k, k, cout], &rng), b = GradCheck.input([cout], &rng)
            try GradCheck.check("convTranspose2d \(shape) k\(k) s\(s) p\(p) op\(op)", [x, w, b], samples: 30) {
                try Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: s, padding: p, outputPadding: op, activation: act)
            }
        }
    }

    func testNormalisationAndSoftmax() throws {
        let x = GradCheck.input([4, 6], &rng), g = GradCheck.input([6], &rng), b = GradCheck.input([6], &rng)
        try GradCheck.check("layerNorm", [x, g, b]) { try Tensor.layerNorm($0[0], gamma: $0[1], beta: $0[2]) }
        try GradCheck.check("layerNorm no affine", [x]) { try Tensor.layerNorm($0[0], gamma: nil, beta: nil) }
        try GradCheck.check("softmax", [GradCheck.input([3, 2, 5], &rng, lo: -2, hi: 2)]) { try $0[0].softmax() }
    }

    func testLosses() throws {
        let p = GradCheck.input([5, 3], &rng), t = GradCheck.input([5, 3], &rng)
        try GradCheck.check("mse", [p, t]) { try Tensor.mse($0[0], $0[1]) }
        // Keep |p − t| away from the kinks of l1 (0) and smooth-L1 (beta).
        let q = try (t + GradCheck.awayFromZero([5, 3], &rng, gap: 0.2)).detached()
        q.requiresGrad = true
        try GradCheck.check("l1", [q, t], eps: 1e-3) { try Tensor.l1($0[0], $0[1]) }
        try GradCheck.check("smoothL1", [q, t], eps: 1e-3) { try Tensor.smoothL1($0[0], $0[1], beta: 0.5) }
    }

    func testRegularisers() throws {
        // Small spread so that some dimensions are below gamma (active hinge), others above.
        let z = GradCheck.input([16, 6], &rng)
        z.withUnsafeMutableBufferPointer { b in for i in b.indices where i % 6 < 3 { b[i] *= 4 } }
        try GradCheck.check("vicregVariance", [z], rtol: 3e-2) { try Tensor.vicregVariance($0[0], gamma: 1.5) }
        try GradCheck.check("vicregCovariance", [z]) { try Tensor.vicregCovariance($0[0]) }
        let h = GradCheck.input([12, 4], &rng, lo: -2, hi: 2)
        try GradCheck.check("eppsPulley", [h]) { try Tensor.eppsPulley($0[0]) }
        let dirs = Tensor.randomDirections(dimension: 6, count: 5, rng: &rng)
        try GradCheck.check("sigreg", [z]) { try Tensor.sigreg($0[0], directions: dirs) }
    }

    func testGRUCell() throws {
        var r = RNG(seed: 5)
        let cell = GRUCell(inputSize: 3, hiddenSize: 4, rng: &r)
        let x = GradCheck.input([2, 3], &rng), h = GradCheck.input([2, 4], &rng)
        try GradCheck.check("GRUCell (inputs)", [x, h]) { try cell($0[0], $0[1]) }
        let params = cell.parameters.map(\.tensor)
        try GradCheck.check("GRUCell (parameters)", params) { _ in try cell(x.detached(), h.detached()) }
        let seq = GradCheck.input([2, 3, 3], &rng)
        try GradCheck.check("GRUCell sequence", [seq]) { try cell.sequence($0[0]) }
    }

    /// The fused edge block against finite differences and against the ops it replaces.
    func testPairwiseMessages() throws {
        let r = GradCheck.input([2, 3, 4], &rng), s = GradCheck.input([2, 3, 4], &rng)
        let w = GradCheck.input([5, 4], &rng), b = GradCheck.input([5], &rng, lo: -0.3, hi: 0.3)
        try GradCheck.check("pairwiseMessages", [r, s, w, b]) {
            try Tensor.pairwiseMessages(receivers: $0[0], senders: $0[1], weight: $0[2], bias: $0[3])
        }
        let fused = try Tensor.pairwiseMessages(receivers: r, senders: s, weight: w, bias: b)
        let pairs = try (r.unsqueezed(2) + s.unsqueezed(1)).relu()
        let composed = try Tensor.linear(pairs, weight: w, bias: b, activation: .relu).sum(axes: [2]) * (1 / Float(3))
        for (x, y) in zip(fused.scalars, composed.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }
}
