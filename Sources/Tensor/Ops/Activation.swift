import Common

/// An activation fused into a GEMM-based op (linear, conv): applied to the output while it is still in
/// cache, and its derivative folded into the backward pass.
public enum Activation: String, Sendable, Codable {
    case identity
    case relu
}

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

extension Tensor {
    /// rows × n matrix: y = act(y + bias) in place, split over the cores.
    static func biasActivate(_ y: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                             bias: UnsafePointer<Float>?, _ act: Activation) {
        if bias == nil && act == .identity { return }
        let zero = [Float](repeating: 0, count: n)
        zero.withUnsafeBufferPointer { zb in
            let b = bias ?? zb.baseAddress!
            let relu = act == .relu
            let n8 = n & ~7
            Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(n, 1))) { s, e in
                for r in s..<e {
                    let row = y + r * n
                    var j = 0
                    while j < n8 {
                        var v = load8(row + j) + load8(b + j)
                        if relu { v.replace(with: 0, where: v .< 0) }
                        store8(v, row + j)
                        j += 8
                    }
                    while j < n { let v = row[j] + b[j]; row[j] = relu ? max(v, 0) : v; j += 1 }
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
        let relu = act == .relu, copy = UnsafePointer(dz) != g
        let n8 = n & ~7
        partial.withUnsafeMutableBufferPointer { pbuf in
            let pp = pbuf.baseAddress!
            Parallel.forEach(parts) { part in
                let s = rows * part / parts, e = rows * (part + 1) / parts
                let acc = pp + part * n
                for r in s..<e {
                    let gr = g + r * n, zr = dz + r * n, yr = y + r * n
                    var j = 0
                    while j < n8 {
                        var v = load8(gr + j)
                        if relu { v.replace(with: 0, where: load8(yr + j) .<= 0) }
                        if relu || copy { store8(v, zr + j) }
                        store8(load8(acc + j) + v, acc + j)
                        j += 8
                    }
                    while j < n {
                        let v = relu ? (yr[j] > 0 ? gr[j] : 0) : gr[j]
                        if relu || copy { zr[j] = v }
                        acc[j] += v
                        j += 1
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
