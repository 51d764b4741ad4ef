import Common

/// NumPy broadcasting: shapes are aligned at the right; an axis of extent 1 (or a missing axis) stretches.
enum Broadcast {
    /// The broadcast result shape, or a `shapeMismatch` error naming `op`.
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else { throw TensorError.shapeMismatch(op: op, lhs: a, rhs: b) }
        }
        return out
    }

    /// Element strides of `shape` read inside `outShape` coordinates (0 along broadcast axes).
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let n = outShape.count
        var strides = [Int](repeating: 0, count: n)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let o = i + (n - shape.count)
            strides[o] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// Collapses adjacent axes that stay contiguous for every operand, so the general strided loops below
    /// mostly run over one or two long axes.
    static func collapse(_ shape: [Int], _ strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var outShape: [Int] = []
        var outStrides: [[Int]] = Array(repeating: [], count: strides.count)
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = outShape.last,
               strides.indices.allSatisfy({ k in outStrides[k].last! == strides[k][i] * shape[i] }) {
                outShape[outShape.count - 1] = last * shape[i]
                for k in strides.indices { outStrides[k][outStrides[k].count - 1] = strides[k][i] }
            } else {
                outShape.append(shape[i])
                for k in strides.indices { outStrides[k].append(strides[k][i]) }
            }
        }
        if outShape.isEmpty { return ([1], strides.map { _ in [0] }) }
        return (outShape, outStrides)
    }

    /// Visits every element of `shape`, calling `inner(offsets, n, innerStrides)` once per innermost run of
    /// `n` elements with the running offsets of each operand.
    @inline(__always)
    static func forEachRun(_ shape: [Int], _ strides: [[Int]], _ inner: ([Int], Int) -> Void) {
        let rank = shape.count
        let n = shape[rank - 1]
        let outer = shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offsets = [Int](repeating: 0, count: strides.count)
        for _ in 0..<outer {
            inner(offsets, n)
            // increment the multi-index over the outer axes
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for k in strides.indices { offsets[k] += strides[k][axis] }
                if index[axis] < shape[axis] { break }
                for k in strides.indices { offsets[k] -= strides[k][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums `src` (laid out in `srcShape`) down to `dstShape`, which must broadcast to `srcShape`; writes
    /// (or adds, when `accumulate`) into `dst`. Used by every broadcasting backward.
    static func reduceSum(_ src: UnsafePointer<Float>, _ srcShape: [Int], into dst: UnsafeMutablePointer<Float>,
                          _ dstShape: [Int], accumulate: Bool) {
        let dstCount = dstShape.reduce(1, *)
        let srcCount = srcShape.reduce(1, *)
        if dstCount == srcCount {
            if accumulate { Parallel.forRanges(srcCount) { s, e in for i in s..<e { dst[i] += src[i] } } }
            else { dst.update(from: src, count: srcCount) }
            return
        }
        if !accumulate { dst.initialize(repeating: 0, count: dstCount) }
        let (shape, strides) = Broadcast.collapse(srcShape, [Broadcast.strides(of: srcShape, in: srcShape),
                                                              Broadcast.strides(of: dstShape, in: srcShape)])
        // Common case: dst is a trailing row (bias-like): sum rows.
        if shape.count == 2, strides[1] == [0, 1] {
            let rows = shape[0], n = shape[1]
            for r in 0..<rows {
                let s = src + r * n
                for j in 0..<n { dst[j] += s[j] }
            }
            return
        }
        Broadcast.forEachRun(shape, strides) { off, n in
            let s = src + off[0], d = dst + off[1]
            let ss = strides[0].last!, ds = strides[1].last!
            if ds == 0 {
                var acc: Float = 0
                for j in 0..<n { acc += s[j * ss] }
                d[0] += acc
            } else {
                for j in 0..<n { d[j * ds] += s[j * ss] }
            }
        }
    }
}
