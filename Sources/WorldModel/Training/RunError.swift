import Foundation

/// Errors of a training run: each names the file or setting at fault and what was expected.
public enum RunError: Error, CustomStringConvertible {
    case io(path: String, message: String)
    case runDirectory(path: String, message: String)
    case resumeMismatch(path: String, differences: [String])
    case data(source: String, message: String)
    case divergence(step: Int, message: String)
    case checkpoint(path: String, message: String)
    /// A data-parallel run's launch or collectives (`Ranks`).
    case ranks(String)

    public var description: String {
        switch self {
        case .io(let p, let m): return "\(p): \(m)"
        case .runDirectory(let p, let m): return "\(p): \(m)"
        case .resumeMismatch(let p, let d):
            return "\(p): --resume refused, the config differs from the run's:\n  " + d.joined(separator: "\n  ")
        case .data(let s, let m): return "\(s): \(m)"
        case .divergence(let step, let m): return "training stopped at step \(step): \(m)"
        case .checkpoint(let p, let m): return "\(p): \(m)"
        case .ranks(let m): return "data-parallel training: \(m)"
        }
    }
}
