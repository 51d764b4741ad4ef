/// Errors raised by tensor operations; each names the operation so a failure in a long model is easy to place.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// Two operands whose shapes do not fit together.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int])
    /// An argument that is invalid for the operation (axis out of range, bad stride, wrong rank...).
    case invalidArgument(op: String, message: String)
    /// A NaN or infinity produced while `Tensor.checkNumerics` is on.
    case nonFinite(op: String, phase: String)
    /// A misuse of autodiff (backward on a non-scalar without a seed, etc.).
    case autograd(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(lhs) and \(rhs) do not match"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .nonFinite(op, phase):
            return "\(op): produced NaN or infinity in the \(phase) pass"
        case let .autograd(message):
            return "autograd: \(message)"
        }
    }
}
