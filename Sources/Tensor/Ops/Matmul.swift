/// Matrix products on OpenBLAS: `matmul` and the fused `linear` (x·Wᵀ + b, then an activation).
extension Tensor {
    /// Matrix product. [.., M, K] × [K, N] → [.., M, N]; [B, M, K] × [B, K, N] → [B, M, N].
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = self, b = other
        guard a.rank >= 2, b.rank >= 2, a.shape.last! == b.shape[b.rank - 2] else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape)
        }
        let k = a.shape.last!, n = b.shape.last!
        if b.rank == 2 {
            let m = a.count / max(k, 1)
            let outShape = Array(a.shape.dropLast()) + [n]
            let out = Tensor(result: outShape)
            BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, a: a.ptr, lda: k, b: b.ptr, ldb: n, beta: 0, c: out.ptr, ldc: n)
            return try Tensor.record(out, "matmul", [a, b]) { _, g in
                if a.requiresGrad {
                    a.accumulateGrad { d, acc in
                        BLAS.gemm(transA: false, transB: true, m: m, n: k, k: n, a: g.ptr, lda: n, b: b.ptr, ldb: n, beta: acc ? 1 : 0, c: d, ldc: k)
                    }
                }
                if b.requiresGrad {
                    b.accumulateGrad { d, acc in
                        BLAS.gemm(transA: true, transB: false, m: k, n: n, k: m, a: a.ptr, lda: k, b: g.ptr, ldb: n, beta: acc ? 1 : 0, c: d, ldc: n)
                    }
                }
            }
        }
        guard a.rank == 3, b.rank == 3, a.shape[0] == b.shape[0] else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape)
        }
        let batch = a.shape[0], m = a.shape[1]
        let out = Tensor(result: [batch, m, n])
        for i in 0..<batch {
            BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, a: a.ptr + i * m * k, lda: k,
                      b: b.ptr + i * k * n, ldb: n, beta: 0, c: out.ptr + i * m * n, ldc: n)
        }
        return try Tensor.record(out, "matmul", [a, b]) { _, g in
            if a.requiresGrad {
                a.accumulateGrad { d, acc in
                    for i in 0..<batch {
                        BLAS.gemm(transA: false, transB: true, m: m, n: k, k: n, a: g.ptr + i * m * n, lda: n,
                                  b: b.ptr + i * k * n, ldb: n, beta: acc ? 1 : 0, c: d + i * m * k, ldc: k)
                    }
                }
            }
            if b.requiresGrad {
                b.accumulateGrad { d, acc in
                    for i in 0..<batch {
                        BLAS.gemm(transA: true, transB: false, m: k, n: n, k: m, a: a.ptr + i * m * k, lda: k,
                                  b: g.ptr + i * m * n, ldb: n, beta: acc ? 1 : 0, c: d + i * k * n, ldc: n)
                    }
                }
            }
        }
    }

    /// act(x · weightᵀ + bias): x [.., in], weight [out, in] (PyTorch layout), bias [out] → [.., out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity) throws -> Tensor {
        guard weight.rank == 2, x.rank >= 1, x.shape.last! == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", lhs: x.shape, rhs: weight.shape)
        }
        let inF = weight.shape[1], outF = weight.shape[0]
        if let bias, bias.shape != [outF] { throw TensorError.shapeMismatch(op: "linear(bias)", lhs: weight.shape, rhs: bias.shape) }
        let rows = x.count / max(inF, 1)
        let out = Tensor(result: Array(x.shape.dropLast()) + [outF])
        let tag = "linear\(inF)→\(outF)"
        BLAS.gemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.ptr, lda: inF, b: weight.ptr, ldb: inF,
                  beta: 0, c: out.ptr, ldc: outF)
        biasActivate(out.ptr, rows: rows, n: outF, bias: bias.map { UnsafePointer($0.ptr) }, activation)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return try record(out, tag, inputs) { out, g in
            // dZ: the gradient before the activation (g itself when there is nothing to undo).
            var dzTensor: Tensor? = nil
            var dz = g.ptr
            if activation != .identity {
                let t = Tensor(uninitialized: out.shape); dzTensor = t; dz = t.ptr
            }
            if activation != .identity || bias?.requiresGrad == true {
                if let bias, bias.requiresGrad {
                    bias.accumulateGrad { db, acc in
                        activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: outF, act: activation, dbias: db, accumulateBias: acc)
                    }
                } else {
                    activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: outF, act: activation, dbias: nil, accumulateBias: false)
                }
            }
            if x.requiresGrad {
                x.accumulateGrad { d, acc in
                    BLAS.gemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: dz, lda: outF, b: weight.ptr, ldb: inF,
                              beta: acc ? 1 : 0, c: d, ldc: inF)
                }
            }
            if weight.requiresGrad {
                weight.accumulateGrad { d, acc in
                    BLAS.gemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: dz, lda: outF, b: x.ptr, ldb: inF,
                              beta: acc ? 1 : 0, c: d, ldc: inF)
                }
            }
            withExtendedLifetime(dzTensor) {}
        }
    }
}
