import XCTest
@testable import Tensor

/// Central finite differences against the analytic gradient. The probe loss is L = Σ out·R for a fixed
/// random R, summed in Double so that Float32 rounding in the forward pass does not swamp the difference.
enum GradCheck {
    /// Random tensor with values in [lo, hi), marked as requiring grad.
    static func input(_ shape: [Int], _ rng: inout RNG, lo: Float = -1, hi: Float = 1) -> Tensor {
        let t = Tensor.uniform(shape, low: lo, high: hi, rng: &rng)
        t.requiresGrad = true
        return t
    }

    /// Random tensor whose entries keep at least `gap` away from zero (for kinks at 0: relu, abs, l1).
    static func awayFromZero(_ shape: [Int], _ rng: inout RNG, gap: Float = 0.1) -> Tensor {
        let t = Tensor.uniform(shape, low: gap, high: 1, rng: &rng)
        t.withUnsafeMutableBufferPointer { b in for i in b.indices where rng.uniform() < 0.5 { b[i] = -b[i] } }
        t.requiresGrad = true
        return t
    }

    static func probe(_ out: Tensor, _ r: [Float]) -> Double {
        out.withUnsafeBufferPointer { b in zip(b, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    }

    /// Checks d(Σ f(inputs)·R)/d(inputs) for every input that requires grad, at up to `samples` random
    /// elements each. Fails the test with the op, input index, element and both values on mismatch.
    static func check(_ name: String, _ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                      samples: Int = 40, seed: UInt64 = 99, file: StaticString = #filePath, line: UInt = #line,
                      _ f: ([Tensor]) throws -> Tensor) throws {
        var rng = RNG(seed: seed)
        for t in inputs { t.grad = nil }
        let out = try f(inputs)
        let r = (0..<out.count).map { _ in rng.uniform() * 2 - 1 }
        let rT = try Tensor(r, shape: out.shape)
        let loss = try (out * rT).sum()
        try loss.backward()
        for (k, x) in inputs.enumerated() where x.requiresGrad {
            guard let g = x.grad else { XCTFail("\(name): input \(k) got no gradient", file: file, line: line); continue }
            XCTAssertEqual(g.shape, x.shape, "\(name): gradient shape", file: file, line: line)
            let idx: [Int] = x.count <= samples ? Array(0..<x.count) : (0..<samples).map { _ in rng.int(below: x.count) }
            var kinks = 0
            for i in idx {
                let analytic = Double(g.ptr[i])
                // Central difference at eps; if it disagrees, once more at eps/10 (a kink of relu/abs/clamp
                // inside the interval is then ten times less likely), and finally accept a kink only when the
                // analytic value equals the one-sided slope on one side. Such skips are capped.
                var verdict: String? = nil
                for (attempt, h) in [eps, eps / 10].enumerated() {
                    let (up, centre, down) = try values(x, i, h, inputs, r, f)
                    let numeric = (up - down) / (2 * Double(h))
                    let tol = atol + rtol * max(abs(numeric), abs(analytic))
                    if abs(numeric - analytic) <= tol { verdict = nil; break }
                    verdict = "\(name): input \(k) \(x.shape) element \(i): analytic \(analytic) vs numeric \(numeric)"
                    if attempt == 1 {
                        let right = (up - centre) / Double(h), left = (centre - down) / Double(h)
                        let near = { (s: Double) in abs(s - analytic) <= atol + rtol * max(abs(s), abs(analytic)) }
                        if abs(right - left) > tol && (near(right) || near(left)) { kinks += 1; verdict = nil }
                    }
                }
                if let verdict { XCTFail(verdict, file: file, line: line); return }
                if kinks > max(1, idx.count / 4) {
                    XCTFail("\(name): too many kinks (\(kinks)) to check input \(k)", file: file, line: line); return
                }
            }
        }
    }

    /// Probe loss at x[i] + h, x[i], x[i] − h (restoring x[i]).
    static func values(_ x: Tensor, _ i: Int, _ h: Float, _ inputs: [Tensor], _ r: [Float],
                       _ f: ([Tensor]) throws -> Tensor) throws -> (Double, Double, Double) {
        let orig = x.ptr[i]
        defer { x.ptr[i] = orig }
        x.ptr[i] = orig + h
        let up = try Tensor.noGrad { probe(try f(inputs), r) }
        x.ptr[i] = orig - h
        let down = try Tensor.noGrad { probe(try f(inputs), r) }
        x.ptr[i] = orig
        let centre = try Tensor.noGrad { probe(try f(inputs), r) }
        return (up, centre, down)
    }
}

/// Approximate equality for float arrays.
func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): counts", file: file, line: line)
    for i in 0..<min(a.count, b.count) {
        let scale = max(1, abs(a[i]), abs(b[i]))
        if abs(a[i] - b[i]) > tol * scale {
            XCTFail("\(what): element \(i): \(a[i]) vs \(b[i])", file: file, line: line)
            return
        }
    }
}
