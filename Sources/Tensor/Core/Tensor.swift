import Common
import Foundation

// Tensor: Tumble's numeric core. A training step reads like this:
//
//     var rng = RNG(seed: 1)
//     let encoder = Conv2d(3, 32, kernel: 4, stride: 2, padding: 1, activation: .relu, rng: &rng)
//     let ema = try EMA(online: encoder, target: Conv2d(3, 32, kernel: 4, stride: 2, padding: 1, rng: &rng))
//     let predictor = Linear(2 * 32, 32, initialise: .residual(), rng: &rng)
//     let opt = AdamW(encoder.parameters(prefix: "encoder.") + predictor.parameters(prefix: "predictor."))
//
//     let z = try encoder(frames)                                // frames [N, 64, 64, 3], records a graph
//     let target = try Tensor.noGrad { try ema.target(frames) }  // no graph
//     let loss = try Tensor.mse(prediction, target)
//     opt.zeroGrad(); try loss.backward(); try opt.step()
//     try ema.update(from: encoder, momentum: schedule(step))
//
// Checkpoints: `Checkpoint` gathers modules, optimiser state and RNG state into one safetensors file.

/// A dense, row-major Float32 array that can take part in reverse-mode autodiff.
///
/// A tensor is a reference to (part of) a pooled buffer: `reshaped`, `detached` and leading-axis row
/// ranges are views that share memory; every other op writes a fresh buffer. Operations that combine
/// tensors throw `TensorError` naming the op and the shapes when they do not fit.
public final class Tensor {
    /// Extent of each axis, outermost first.
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    let storage: Storage
    let offset: Int

    /// Whether gradients flow to this tensor. Set it on leaves (parameters); op results inherit it.
    public var requiresGrad: Bool
    /// The accumulated gradient after `backward()`, same shape as the tensor.
    public internal(set) var grad: Tensor?
    /// How this tensor was computed, while the graph is alive (nil for leaves and after backward).
    var gradFn: GradFn?
    /// Leaves are created directly (data, parameters); non-leaves come out of recorded ops.
    let isLeaf: Bool

    /// The first element's address. Tensors are always contiguous.
    @inline(__always) var ptr: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// Internal: a tensor over fresh, uninitialised pooled memory.
    init(uninitialized shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = Storage(count: count)
        self.offset = 0
        self.requiresGrad = false
        self.isLeaf = true
    }

    /// Internal: a view of `storage` (no copy).
    init(storage: Storage, offset: Int, shape: [Int], requiresGrad: Bool = false, isLeaf: Bool = true) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.offset = offset
        self.requiresGrad = requiresGrad
        self.isLeaf = isLeaf
    }

    /// Internal: an op result that will carry a grad function.
    init(result shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = Storage(count: count)
        self.offset = 0
        self.requiresGrad = false
        self.isLeaf = false
    }

    /// A tensor holding `scalars` laid out row-major in `shape`.
    public convenience init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) throws {
        let n = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), n == scalars.count else {
            throw TensorError.shapeMismatch(op: "Tensor.init", lhs: [scalars.count], rhs: shape)
        }
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { ptr.update(from: $0.baseAddress!, count: n) }
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init(uninitialized: [])
        ptr[0] = scalar
        self.requiresGrad = requiresGrad
    }

    /// Converts 8-bit pixels (or any bytes) to floats `Float(byte) * scale`, e.g. frames [N,H,W,C] with scale 1/255.
    public convenience init(bytes: UnsafeBufferPointer<UInt8>, shape: [Int], scale: Float = 1) throws {
        guard shape.reduce(1, *) == bytes.count else {
            throw TensorError.shapeMismatch(op: "Tensor.init(bytes:)", lhs: [bytes.count], rhs: shape)
        }
        self.init(uninitialized: shape)
        let dst = ptr, src = bytes.baseAddress!
        Parallel.forRanges(count) { s, e in
            for i in s..<e { dst[i] = Float(src[i]) * scale }
        }
    }

    // MARK: Factories

    /// All elements `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.ptr.initialize(repeating: value, count: t.count)
        return t
    }
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Standard-normal samples times `std`, drawn from `rng` (deterministic for a given seed).
    public static func randn(_ shape: [Int], std: Float = 1, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitialized: shape)
        rng.fillNormal(t.ptr, count: t.count, mean: 0, std: std)
        return t
    }

    /// Uniform samples in [low, high) drawn from `rng`.
    public static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitialized: shape)
        rng.fillUniform(t.ptr, count: t.count, low: low, high: high)
        return t
    }

    // MARK: Data access

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The elements as an array (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: ptr, count: count)) }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else { throw TensorError.invalidArgument(op: "item", message: "tensor of shape \(shape) has \(count) elements, expected 1") }
        return ptr[0]
    }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: ptr, count: count))
    }

    /// Writes the elements in place (bypasses autodiff: use on data and parameters, not on graph values).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: ptr, count: count))
    }

    /// Overwrites the elements from another tensor of the same element count (in place, no autodiff).
    public func assign(_ other: Tensor) throws {
        guard other.count == count else { throw TensorError.shapeMismatch(op: "assign", lhs: shape, rhs: other.shape) }
        if other.ptr != ptr { ptr.update(from: other.ptr, count: count) }
    }

    /// A copy with its own buffer, detached from the graph.
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.ptr.update(from: ptr, count: count)
        return t
    }

    /// The same data, cut off from the graph (a view: no copy). Gradients never flow through it.
    public func detached() -> Tensor {
        Tensor(storage: storage, offset: offset, shape: shape)
    }

    /// Drops the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
