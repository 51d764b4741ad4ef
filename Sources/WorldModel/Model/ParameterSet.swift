import Tensor

/// Named parameter tensors in a stable order (the checkpoint's tensor names are these names).
final class ParameterSet {
    private(set) var names: [String] = []
    private(set) var tensors: [Tensor] = []
    private var index: [String: Int] = [:]

    /// Adds a trainable tensor under `name`.
    @discardableResult
    func add(_ name: String, _ tensor: Tensor, trainable: Bool = true) -> Tensor {
        precondition(index[name] == nil, "duplicate parameter \(name)")
        tensor.requiresGrad = trainable
        index[name] = names.count
        names.append(name)
        tensors.append(tensor)
        return tensor
    }

    subscript(name: String) -> Tensor { tensors[index[name]!] }

    var count: Int { tensors.count }
    var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    var named: [(String, Tensor)] { Array(zip(names, tensors)) }

    func zeroGrad() { for t in tensors { t.zeroGrad() } }
}

/// PyTorch's default init (uniform ±1/√fan_in for weights and biases), deterministic from `rng`.
enum Init {
    static func uniform(_ shape: [Int], fanIn: Int, scale: Float = 1, rng: inout RNG) -> Tensor {
        let bound = scale / Float(fanIn).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, rng: &rng)
    }
}
