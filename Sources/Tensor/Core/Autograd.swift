import Common
import Foundation

/// The recorded step that produced a non-leaf tensor: its inputs and how to push a gradient back to them.
final class GradFn {
    let name: String
    let inputs: [Tensor]
    /// Receives the output tensor and its gradient and accumulates into the inputs that require grad.
    let backward: (_ output: Tensor, _ grad: Tensor) throws -> Void

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor, Tensor) throws -> Void) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Per-thread autodiff switches.
public enum Autograd {
    private static let enabled = ThreadFlag()

    /// Whether ops record a graph on this thread (off inside `Tensor.noGrad`).
    public static var isEnabled: Bool {
        get { enabled.value }
        set { enabled.value = newValue }
    }
}

extension Tensor {
    /// When on, every op checks its output (and backward its gradients) for NaN/Inf and throws
    /// `TensorError.nonFinite` naming the op. Costs one pass over each result.
    nonisolated(unsafe) public static var checkNumerics = false

    /// Runs `body` without recording a graph: results never require grad (EMA targets, evaluation).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        let was = Autograd.isEnabled
        Autograd.isEnabled = false
        defer { Autograd.isEnabled = was }
        return try body()
    }

    /// Attaches a grad function to a freshly computed op result when any input requires grad.
    @inline(__always)
    static func record(_ out: Tensor, _ op: String, _ inputs: [Tensor],
                       _ backward: @escaping (Tensor, Tensor) throws -> Void) throws -> Tensor {
        if checkNumerics { try out.checkFinite(op: op, phase: "forward") }
        Profiler.endSpan(op)
        if Autograd.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
            out.requiresGrad = true
            out.gradFn = GradFn(name: op, inputs: inputs, backward: backward)
        }
        return out
    }

    func checkFinite(op: String, phase: String) throws {
        let p = ptr
        var bad = false
        for i in 0..<count where !p[i].isFinite { bad = true; break }
        if bad { throw TensorError.nonFinite(op: op, phase: phase) }
    }

    /// Accumulates a gradient for `self` by letting `body` write it: `body(dst, accumulate)` must add into
    /// `dst` when `accumulate` is true and overwrite it otherwise (so the first contribution needs no zeroing).
    @inline(__always)
    func accumulateGrad(_ body: (UnsafeMutablePointer<Float>, Bool) throws -> Void) rethrows {
        if let g = grad {
            try body(g.ptr, true)
        } else {
            let g = Tensor(uninitialized: shape)
            try body(g.ptr, false)
            grad = g
        }
    }

    /// Adds `g` (same element count) into this tensor's gradient. `fresh` means the caller made `g` for this
    /// call alone, so its buffer can be adopted instead of copied.
    func accumulateGrad(from g: Tensor, fresh: Bool) {
        if grad == nil, fresh {
            grad = Tensor(storage: g.storage, offset: g.offset, shape: shape)
            return
        }
        accumulateGrad { dst, acc in
            let src = g.ptr
            if acc { Parallel.forRanges(count) { s, e in for i in s..<e { dst[i] += src[i] } } }
            else { dst.update(from: src, count: count) }
        }
    }

    /// Reverse-mode autodiff from this tensor: accumulates `d self / d leaf` into every leaf that requires
    /// grad, then frees the graph. A scalar (one-element) tensor needs no seed.
    public func backward(_ seed: Tensor? = nil) throws {
        guard requiresGrad else { throw TensorError.autograd("backward on a tensor that does not require grad") }
        guard isLeaf || gradFn != nil else {
            throw TensorError.autograd("backward through a graph that was already freed (one backward per forward pass)")
        }
        if let seed {
            guard seed.count == count else { throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: seed.shape) }
            grad = seed.copy()
        } else {
            guard count == 1 else { throw TensorError.autograd("backward on a tensor of shape \(shape) needs a seed gradient") }
            grad = Tensor.ones(shape)
        }
        // Iterative post-order DFS gives a topological order (inputs before users).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (t, i) = stack.popLast() {
            if let fn = t.gradFn, i < fn.inputs.count {
                stack.append((t, i + 1))
                let child = fn.inputs[i]
                if child.requiresGrad, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(t)
            }
        }
        Profiler.endSpan("(autograd graph)")
        for t in order.reversed() {
            guard let fn = t.gradFn else { continue }
            if let g = t.grad { try fn.backward(t, g) }
            Profiler.endSpan(fn.name)
            if Tensor.checkNumerics {
                for input in fn.inputs where input.requiresGrad {
                    try input.grad?.checkFinite(op: fn.name, phase: "backward")
                }
            }
            t.gradFn = nil
            if !t.isLeaf { t.grad = nil }
        }
    }
}
