import Foundation

/// Everything evaluation refuses, each with the file or field and what was expected.
public enum EvaluationError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Held-out data shares episode seeds with the training run.
    case seedOverlap(dataset: String, overlapping: Int, examples: [UInt64])
    /// Model and dataset disagree on a field (frame shape, action width, bodies, …).
    case incompatible(field: String, model: String, dataset: String)
    /// Episodes too short for the history plus the requested horizon.
    case episodesTooShort(steps: Int, needed: Int, horizon: Int)
    /// A dataset batch whose array has the wrong size.
    case malformedBatch(batch: Int, field: String, expected: String, found: String)
    /// Violation pairs that do not match up one possible clip with one impossible clip.
    case malformedPair(pair: Int64, problem: String)
    /// The model returned the wrong number of values from a call.
    case modelOutput(call: String, expected: Int, found: Int)
    /// The model returned NaN or infinity.
    case nonFiniteModelOutput(call: String)
    /// Nothing to evaluate (no possible clips and no violation pairs).
    case nothingToEvaluate(dataset: String)
    /// A report file that cannot be read back.
    case invalidReport(file: String, field: String, expected: String)
    /// Invalid command-line arguments.
    case invalidArguments(String)
    /// `--verify` found numbers or hashes that differ.
    case verificationFailed(file: String, differences: [String])

    public var description: String {
        switch self {
        case let .seedOverlap(dataset, n, examples):
            let shown = examples.prefix(5).map(String.init).joined(separator: ", ")
            return "\(dataset): \(n) episode seed\(n == 1 ? "" : "s") also used in training (e.g. \(shown)); "
                + "evaluate on held-out episodes recorded with a different --seed"
        case let .incompatible(field, model, dataset):
            return "dataset does not fit the model: \(field) is \(dataset) in the data, the model expects \(model)"
        case let .episodesTooShort(steps, needed, horizon):
            return "episodes have \(steps) frames; a horizon of \(horizon) needs at least \(needed) "
                + "(history + horizon + 1); record longer episodes (--steps) or pass a smaller --horizon"
        case let .malformedBatch(batch, field, expected, found):
            return "dataset shard \(batch): `\(field)` has \(found), expected \(expected)"
        case let .malformedPair(pair, problem):
            return "violation pair \(pair): \(problem)"
        case let .modelOutput(call, expected, found):
            return "model \(call) returned \(found) values, expected \(expected)"
        case let .nonFiniteModelOutput(call):
            return "model \(call) returned NaN or infinity; the checkpoint is unusable for evaluation"
        case let .nothingToEvaluate(dataset):
            return "\(dataset): no episodes to evaluate (need possible clips or violation pairs)"
        case let .invalidReport(file, field, expected):
            return "\(file): `\(field)` \(expected)"
        case let .invalidArguments(message):
            return message
        case let .verificationFailed(file, differences):
            return "\(file): \(differences.count) difference\(differences.count == 1 ? "" : "s") on re-run:\n  "
                + differences.joined(separator: "\n  ")
        }
    }

    public var errorDescription: String? { description }
}
