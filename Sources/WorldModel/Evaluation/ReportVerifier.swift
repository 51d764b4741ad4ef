import Common

/// Compares a stored report with a re-run of its command, number by number.
///
/// Exact: strings (hashes, inputs), counts and the model-free numbers (pixel detector,
/// extrapolated true states). Model-derived numbers pass when bit-identical or within `tolerance`
/// relative to their size, or to a hundredth of the largest number beside them (same object or
/// array) when they are near zero: |a − b| ≤ tol · max(|a|, |b|, s / 100), since another CPU's BLAS
/// kernels may round differently. Nothing is absolute, so a 1 % change to a tiny number (a latent
/// error of 1.45e-5) is caught; a fixed floor of 1e-6 let it through. `tumble_version` and the
/// wording of `definitions` may differ (reported as notes, not failures: they describe the numbers,
/// they are not results).
public struct ReportVerifier {
    public var tolerance: Double
    /// Whether two model-derived numbers agree under this verifier's tolerance; `scale` is the
    /// largest magnitude among their neighbours (what "near zero" is measured against).
    public func agrees(_ a: Double, _ b: Double, scale: Double = 0) -> Bool {
        a == b || abs(a - b) <= tolerance * max(abs(a), abs(b), scale / 100)
    }

    public init(tolerance: Double = EvaluationReport.verifyTolerance) {
        self.tolerance = tolerance
    }

    public struct Outcome: Equatable, Sendable {
        /// Human-readable differences; empty means verified.
        public var differences: [String] = []
        /// Notes that do not fail verification.
        public var notes: [String] = []
        /// Numbers that matched bit for bit.
        public var identical = 0
        /// Model-derived numbers that matched within the tolerance only.
        public var withinTolerance = 0
    }

    /// Keys (last path component) whose numbers never depend on the model's arithmetic.
    static let exactKeys: Set<String> = [
        "episodes", "prediction_episodes", "windows", "horizon", "history", "frames", "samples", "pairs",
        "hits_pool_size", "pixel_baseline", "pixel_baseline_auroc", "pixel_baseline_absolute_accuracy",
        "pooled_pool_size", "timing_pool_size", "hits_queries", "pooled_queries", "timing_queries",
        "possible_clips", "percentile", "initialisations",
    ]

    public func compare(stored: JSONValue, rerun: JSONValue) -> Outcome {
        var outcome = Outcome()
        walk(stored, rerun, path: [], exact: false, scale: 0, into: &outcome)
        return outcome
    }

    /// Largest magnitude among the numbers directly inside an object or array.
    private static func scale(of values: [JSONValue]) -> Double {
        values.reduce(0) { if case let .number(x) = $1, x.isFinite { return max($0, abs(x)) }; return $0 }
    }

    private func walk(_ a: JSONValue, _ b: JSONValue, path: [String], exact: Bool, scale: Double, into o: inout Outcome) {
        let name = path.isEmpty ? "(report)" : path.joined(separator: ".")
        let key = path.last ?? ""
        let exactHere = exact || Self.exactKeys.contains(key) || key == "state_constant_velocity"
        switch (a, b) {
        case let (.object(x), .object(y)):
            let yKeys = Dictionary(y, uniquingKeysWith: { first, _ in first })
            // A definition added or dropped by another version is a note; any other key is a difference.
            let descriptive = path.first == "definitions"
            let inner = Self.scale(of: x.map(\.1))
            for (k, va) in x {
                guard let vb = yKeys[k] else {
                    if descriptive { o.notes.append("\(name).\(k): in the report, not defined by this version of tumble") }
                    else { o.differences.append("\(name).\(k): in the report, missing on re-run") }
                    continue
                }
                walk(va, vb, path: path + [k], exact: exactHere, scale: inner, into: &o)
            }
            let xKeys = Set(x.map(\.0))
            for (k, _) in y where !xKeys.contains(k) {
                if descriptive { o.notes.append("\(name).\(k): defined by this version of tumble, not in the report") }
                else { o.differences.append("\(name).\(k): produced on re-run, missing in the report") }
            }
        case let (.array(x), .array(y)):
            guard x.count == y.count else {
                o.differences.append("\(name): \(x.count) entries in the report, \(y.count) on re-run")
                return
            }
            let inner = Self.scale(of: x)
            for (i, (va, vb)) in zip(x, y).enumerated() {
                walk(va, vb, path: path + ["\(i)"], exact: exactHere, scale: inner, into: &o)
            }
        case let (.number(x), .number(y)):
            if x == y { o.identical += 1; return }
            if !exactHere, agrees(x, y, scale: scale) { o.withinTolerance += 1; return }
            o.differences.append("\(name): report \(JSONValue.format(x)), re-run \(JSONValue.format(y))"
                                 + (exactHere ? " (must match exactly)" : " (relative tolerance \(tolerance))"))
        case let (.string(x), .string(y)):
            if x == y { return }
            if key == "tumble_version" {
                o.notes.append("report made by tumble \(x), re-run with tumble \(y)")
            } else if path.first == "definitions" {
                o.notes.append("\(name) is worded differently in this version of tumble (the numbers are compared, not their descriptions)")
            } else if key == "checkpoint_sha256" {
                o.differences.append("checkpoint_sha256: report \(x), file now \(y): the checkpoint changed")
            } else if key == "dataset_manifest_sha256" {
                o.differences.append("dataset_manifest_sha256: report \(x), manifest now \(y): the dataset changed")
            } else {
                o.differences.append("\(name): report \"\(x)\", re-run \"\(y)\"")
            }
        default:
            if a == b { if case .null = a { o.identical += 1 }; return }
            o.differences.append("\(name): report \(describe(a)), re-run \(describe(b))")
        }
    }

    private func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null (undefined)"
        case let .bool(b): return b ? "true" : "false"
        case let .number(x): return JSONValue.format(x)
        case let .string(s): return "\"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
