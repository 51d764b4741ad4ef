import CBLAS
import Common

/// Reshaping, permuting, joining and cutting tensors. Reshape is a view; the rest copy.
extension Tensor {
    /// The same elements in a new shape (a view). One extent may be −1 and is inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        let known = s.filter { $0 != -1 }.reduce(1, *)
        if let i = s.firstIndex(of: -1) {
            guard s.filter({ $0 == -1 }).count == 1, known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape)
            }
            s[i] = count / known
        }
        guard s.allSatisfy({ $0 >= 0 }), s.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape)
        }
        let out = Tensor(storage: storage, offset: offset, shape: s, isLeaf: false)
        // The output's gradient is dropped once this runs, so the input may adopt its buffer.
        return try Tensor.record(out, "reshape", [self]) { [self] _, g in
            accumulateGrad(from: g, fresh: true)
        }
    }

    /// Merges axes `from...` into one: [B, H, W, C].flattened(from: 1) → [B, H·W·C].
    public func flattened(from start: Int = 1) throws -> Tensor {
        let a = try axis(start, "flatten")
        return try reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// Inserts an axis of extent 1 at `axis`.
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = try self.axis(axis, "unsqueeze", rank: rank + 1)
        var s = shape; s.insert(1, at: a)
        return try reshaped(s)
    }

    /// Removes an axis of extent 1.
    public func squeezed(_ axis: Int) throws -> Tensor {
        let a = try self.axis(axis, "squeeze")
        guard shape[a] == 1 else { throw TensorError.invalidArgument(op: "squeeze", message: "axis \(axis) of shape \(shape) is not 1") }
        var s = shape; s.remove(at: a)
        return try reshaped(s)
    }

    /// Reorders axes: out.shape[i] = shape[axes[i]].
    public func permuted(_ axes: [Int]) throws -> Tensor {
        guard axes.count == rank, Set(axes) == Set(0..<rank) else {
            throw TensorError.invalidArgument(op: "permute", message: "\(axes) is not a permutation of the axes of \(shape)")
        }
        let outShape = axes.map { shape[$0] }
        let out = Tensor(result: outShape)
        Tensor.permuteCopy(ptr, shape, axes, out.ptr, accumulate: false)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return try Tensor.record(out, "permute", [self]) { [self] _, g in
            accumulateGrad { dst, acc in Tensor.permuteCopy(g.ptr, outShape, inverse, dst, accumulate: acc) }
        }
    }

    /// Swaps the last two axes (matrix transpose).
    public func transposed() throws -> Tensor {
        guard rank >= 2 else { throw TensorError.invalidArgument(op: "transpose", message: "needs rank ≥ 2, got shape \(shape)") }
        var axes = Array(0..<rank); axes.swapAt(rank - 1, rank - 2)
        return try permuted(axes)
    }

    /// dst (shape = src permuted by axes) = or += src permuted.
    static func permuteCopy(_ src: UnsafePointer<Float>, _ srcShape: [Int], _ axes: [Int],
                            _ dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let outShape = axes.map { srcShape[$0] }
        let srcStrides = Broadcast.strides(of: srcShape, in: srcShape)
        let readStrides = axes.map { srcStrides[$0] }
        let (shape, strides) = Broadcast.collapse(outShape, [Broadcast.strides(of: outShape, in: outShape), readStrides])
        if let t = BatchedTranspose(shape: shape, read: strides[1]) {
            t.copy(src, dst, accumulate: accumulate)
            return
        }
        let rs = strides[1].last!
        Broadcast.forEachRun(shape, strides) { off, n in
            let d = dst + off[0], s = src + off[1]
            if accumulate { for j in 0..<n { d[j] += s[j * rs] } } else { for j in 0..<n { d[j] = s[j * rs] } }
        }
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "concat", message: "no tensors given") }
        let a = try first.axis(axis, "concat")
        var outShape = first.shape
        outShape[a] = 0
        for p in parts {
            var s = p.shape, f = first.shape
            guard s.count == f.count else { throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: p.shape) }
            s[a] = 0; f[a] = 0
            guard s == f else { throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: p.shape) }
            outShape[a] += p.shape[a]
        }
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let rowOut = outShape[a] * inner
        let out = Tensor(result: outShape)
        var start = 0
        var starts: [Int] = []
        for p in parts {
            starts.append(start)
            let row = p.shape[a] * inner
            let src = p.ptr, dst = out.ptr + start
            for o in 0..<outer { (dst + o * rowOut).update(from: src + o * row, count: row) }
            start += row
        }
        return try record(out, "concat", parts) { _, g in
            for (k, p) in parts.enumerated() where p.requiresGrad {
                let row = p.shape[a] * inner
                let src = g.ptr + starts[k]
                p.accumulateGrad { dst, acc in
                    for o in 0..<outer {
                        let d = dst + o * row, s = src + o * rowOut
                        if acc { for j in 0..<row { d[j] += s[j] } } else { d.update(from: s, count: row) }
                    }
                }
            }
        }
    }

    /// Stacks equal-shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "stack", message: "no tensors given") }
        for p in parts where p.shape != first.shape { throw TensorError.shapeMismatch(op: "stack", lhs: first.shape, rhs: p.shape) }
        return try concat(parts.map { try $0.unsqueezed(axis) }, axis: axis)
    }

    /// Elements `range` along `axis` (a copy, except along a leading axis where it is a view).
    public func slice(axis: Int, _ range: Range<Int>) throws -> Tensor {
        let a = try self.axis(axis, "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[a] else {
            throw TensorError.invalidArgument(op: "slice", message: "range \(range) is outside 0..<\(shape[a]) on axis \(a) of shape \(shape)")
        }
        var outShape = shape
        outShape[a] = range.count
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        let rowIn = shape[a] * inner, rowOut = range.count * inner, skip = range.lowerBound * inner
        if outer == 1 {
            let out = Tensor(storage: storage, offset: offset + skip, shape: outShape, isLeaf: false)
            return try Tensor.record(out, "slice", [self]) { [self] _, g in
                accumulateGrad { dst, acc in
                    if !acc { dst.initialize(repeating: 0, count: count) }
                    let d = dst + skip, s = g.ptr
                    for j in 0..<rowOut { d[j] += s[j] }
                }
            }
        }
        let out = Tensor(result: outShape)
        let src = ptr + skip, dst = out.ptr
        for o in 0..<outer { (dst + o * rowOut).update(from: src + o * rowIn, count: rowOut) }
        return try Tensor.record(out, "slice", [self]) { [self] _, g in
            accumulateGrad { dst, acc in
                if !acc { dst.initialize(repeating: 0, count: count) }
                let gp = g.ptr
                for o in 0..<outer {
                    let d = dst + o * rowIn + skip, s = gp + o * rowOut
                    for j in 0..<rowOut { d[j] += s[j] }
                }
            }
        }
    }

    /// Index `index` along `axis`, with that axis removed: x[B,T,D].select(axis: 1, index: t) → [B, D].
    public func select(axis: Int, index: Int) throws -> Tensor {
        let a = try self.axis(axis, "select")
        return try slice(axis: a, index..<(index + 1)).squeezed(a)
    }

    /// Cuts into consecutive pieces of the given extents along `axis`.
    public func split(_ sizes: [Int], axis: Int) throws -> [Tensor] {
        let a = try self.axis(axis, "split")
        guard sizes.reduce(0, +) == shape[a], sizes.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "split", message: "sizes \(sizes) do not add up to \(shape[a]) on axis \(a) of shape \(shape)")
        }
        var start = 0
        return try sizes.map { n in
            defer { start += n }
            return try slice(axis: a, start..<(start + n))
        }
    }

    /// Rows `indices` of the leading axis, in that order (gather; repeats allowed). The gradient scatter-adds.
    public func indexSelect(_ indices: [Int]) throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: "indexSelect", message: "needs rank ≥ 1, got a scalar") }
        let rows = shape[0], inner = count / max(rows, 1)
        for i in indices where i < 0 || i >= rows {
            throw TensorError.invalidArgument(op: "indexSelect", message: "index \(i) is outside 0..<\(rows) for shape \(shape)")
        }
        var outShape = shape
        outShape[0] = indices.count
        let out = Tensor(result: outShape)
        let src = ptr, dst = out.ptr
        Parallel.forEach(indices.count) { k in (dst + k * inner).update(from: src + indices[k] * inner, count: inner) }
        return try Tensor.record(out, "indexSelect", [self]) { [self] _, g in
            accumulateGrad { dst, acc in
                if !acc { dst.initialize(repeating: 0, count: count) }
                let gp = g.ptr
                for (k, i) in indices.enumerated() {
                    let d = dst + i * inner, s = gp + k * inner
                    for j in 0..<inner { d[j] += s[j] }
                }
            }
        }
    }
}

/// A permutation that swaps the last two axes of a batch of matrices (after collapsing), out[b, p, q] = src[b, q, p]:
/// the layout change between [N, H·W, C] maps and [N, C, H·W] rows the map ops make on every step. Copied in tiles
/// that stay in cache (CBLAS/maps.h), the batch split over the cores; each element is copied (or added) as the general
/// loop would.
struct BatchedTranspose {
    let batch: Int, p: Int, q: Int

    /// Nil unless `shape` (collapsed, contiguous output) is [B, P, Q] or [P, Q] read with strides [P·Q, 1, P] or [1, P].
    init?(shape: [Int], read: [Int]) {
        switch shape.count {
        case 2 where read == [1, shape[0]]: (batch, p, q) = (1, shape[0], shape[1])
        case 3 where read == [shape[1] * shape[2], 1, shape[1]]: (batch, p, q) = (shape[0], shape[1], shape[2])
        default: return nil
        }
    }

    func copy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let p = p, q = q, plane = p * q
        Parallel.forEach(batch, minimumChunk: max(1, Parallel.grain / max(1, plane))) { b in
            tk_transpose(src + b * plane, dst + b * plane, Int32(p), Int32(q), accumulate ? 1 : 0)
        }
    }
}
