import Common
import Foundation

/// Downsampling of NHWC maps by a fixed separable weighting (e.g. overlapping Gaussian pooling).
extension Tensor {
    /// A fixed [out, in] weight matrix for one axis, stored as its nonzero taps.
    public struct PoolingAxis: Sendable, Equatable {
        public let outputs: Int, inputs: Int
        /// For each output index: (input index, weight) pairs.
        let taps: [[(Int, Float)]]

        public static func == (a: PoolingAxis, b: PoolingAxis) -> Bool {
            a.outputs == b.outputs && a.inputs == b.inputs && a.taps.elementsEqual(b.taps) { x, y in
                x.elementsEqual(y) { $0.0 == $1.0 && $0.1 == $1.1 }
            }
        }

        /// `weights` row-major [outputs, inputs]; zeros are dropped.
        public init(outputs: Int, inputs: Int, weights: [Float]) {
            precondition(weights.count == outputs * inputs, "PoolingAxis: expected \(outputs)×\(inputs) weights")
            self.outputs = outputs; self.inputs = inputs
            taps = (0..<outputs).map { o in (0..<inputs).compactMap { i in weights[o * inputs + i] != 0 ? (i, weights[o * inputs + i]) : nil } }
        }

        /// Gaussian pooling by `factor`: output cell o is centred on input (o + ½)·factor − ½ with standard
        /// deviation `sigma` inputs (cut at 3σ). Each input's weights over the outputs sum to 1, so mass is kept
        /// and, away from the border, the centroid maps linearly. Why: a small object's box-pooled map changes
        /// shape as it crosses cell borders; a smooth pooling makes motion look like translation.
        public static func gaussian(inputs: Int, factor: Int, sigma: Double) -> PoolingAxis {
            let outputs = inputs / factor
            var w = [Float](repeating: 0, count: outputs * inputs)
            for i in 0..<inputs {
                var column = [Double](repeating: 0, count: outputs), total = 0.0
                for o in 0..<outputs {
                    let d = Double(i) - (Double(o) + 0.5) * Double(factor) + 0.5
                    if Swift.abs(d) <= 3 * sigma { column[o] = Foundation.exp(-0.5 * d * d / (sigma * sigma)); total += column[o] }
                }
                if total == 0 { column[min(i / factor, outputs - 1)] = 1; total = 1 }
                for o in 0..<outputs { w[o * inputs + i] = Float(column[o] / total) }
            }
            return PoolingAxis(outputs: outputs, inputs: inputs, weights: w)
        }
    }

    /// x [N, H, W, C] → [N, rows.outputs, cols.outputs, C]: out = Rows · x · Colsᵀ per sample and channel.
    public static func separablePool(_ x: Tensor, rows: PoolingAxis, cols: PoolingAxis) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == rows.inputs, x.shape[2] == cols.inputs else {
            throw TensorError.shapeMismatch(op: "separablePool", lhs: x.shape, rhs: [rows.inputs, cols.inputs])
        }
        let n = x.shape[0], hIn = x.shape[1], wIn = x.shape[2], c = x.shape[3]
        let hOut = rows.outputs, wOut = cols.outputs
        let out = Tensor(result: [n, hOut, wOut, c])
        let src = x.ptr, dst = out.ptr
        Parallel.forEach(n) { s in
            // Columns first: tmp [hIn, wOut, C], then rows.
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: hIn * wOut * c)
            defer { tmp.deallocate() }
            tmp.update(repeating: 0, count: hIn * wOut * c)
            let xs = src + s * hIn * wIn * c
            for i in 0..<hIn { for o in 0..<wOut {
                let t = tmp + (i * wOut + o) * c
                for (j, wt) in cols.taps[o] { let p = xs + (i * wIn + j) * c; for k in 0..<c { t[k] += wt * p[k] } }
            } }
            let os = dst + s * hOut * wOut * c
            os.update(repeating: 0, count: hOut * wOut * c)
            for o in 0..<hOut { for (i, wt) in rows.taps[o] {
                let t = tmp + i * wOut * c, d = os + o * wOut * c
                for k in 0..<(wOut * c) { d[k] += wt * t[k] }
            } }
        }
        return try record(out, "separablePool", [x]) { _, g in
            let gp = g.ptr
            x.accumulateGrad { d, acc in
                Parallel.forEach(n) { s in
                    // Transposes of the two passes: rows back to tmp [hIn, wOut, C], then columns back to x.
                    let tmp = UnsafeMutablePointer<Float>.allocate(capacity: hIn * wOut * c)
                    defer { tmp.deallocate() }
                    tmp.update(repeating: 0, count: hIn * wOut * c)
                    let gs = gp + s * hOut * wOut * c
                    for o in 0..<hOut { for (i, wt) in rows.taps[o] {
                        let t = tmp + i * wOut * c, q = gs + o * wOut * c
                        for k in 0..<(wOut * c) { t[k] += wt * q[k] }
                    } }
                    let ds = d + s * hIn * wIn * c
                    if !acc { ds.update(repeating: 0, count: hIn * wIn * c) }
                    for i in 0..<hIn { for o in 0..<wOut {
                        let t = tmp + (i * wOut + o) * c
                        for (j, wt) in cols.taps[o] { let p = ds + (i * wIn + j) * c; for k in 0..<c { p[k] += wt * t[k] } }
                    } }
                }
            }
        }
    }
}
