/// An activation fused into a GEMM-based op (linear, conv): applied to the output while it is still in
/// cache, and its derivative folded into the backward pass.
public enum Activation: String, Sendable, Codable {
    case identity
    case relu
}

extension Tensor {
    /// rows × n matrix: y = act(y + bias) in place, split over the cores.
    static func biasActivate(_ y: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                             bias: UnsafePointer<Float>?, _ act: Activation) {
        if bias == nil && act == .identity { return }
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(n, 1))) { s, e in
            for r in s..<e {
                let row = y + r * n
                switch (bias, act) {
                case let (b?, .relu): for j in 0..<n { row[j] = max(row[j] + b[j], 0) }
                case let (b?, .identity): for j in 0..<n { row[j] += b[j] }
                case (nil, .relu): for j in 0..<n { row[j] = max(row[j], 0) }
                case (nil, .identity): break
                }
            }
        }
    }

    /// The gradient before the activation, dZ = g · act'(y), written into `dz` (may equal `g` for identity),
    /// and the bias gradient (column sums of dZ) accumulated into `dbias` when given.
    static func activationBackward(g: UnsafePointer<Float>, y: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                                   rows: Int, n: Int, act: Activation,
                                   dbias: UnsafeMutablePointer<Float>?, accumulateBias: Bool) {
        let parts = min(Parallel.cores, max(1, rows * n / Parallel.grain))
        var partial = [Float](repeating: 0, count: parts * n)
        partial.withUnsafeMutableBufferPointer { pbuf in
            let pp = pbuf.baseAddress!
            Parallel.forEach(parts) { part in
                let s = rows * part / parts, e = rows * (part + 1) / parts
                let acc = pp + part * n
                for r in s..<e {
                    let gr = g + r * n, zr = dz + r * n
                    if act == .relu {
                        let yr = y + r * n
                        for j in 0..<n { let v = yr[j] > 0 ? gr[j] : 0; zr[j] = v; acc[j] += v }
                    } else {
                        if UnsafePointer(zr) != gr { for j in 0..<n { zr[j] = gr[j] } }
                        for j in 0..<n { acc[j] += gr[j] }
                    }
                }
            }
            if let db = dbias {
                if !accumulateBias { db.initialize(repeating: 0, count: n) }
                for p in 0..<parts { let a = pp + p * n; for j in 0..<n { db[j] += a[j] } }
            }
        }
    }
}
