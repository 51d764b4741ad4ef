/// Compares a stored report with a re-run of its command, number by number.
///
/// Exact: strings (hashes, inputs, definitions), counts and the model-free numbers (pixel detector,
/// extrapolated true states). Model-derived numbers pass when bit-identical or within `tolerance`
/// relative and absolute (|a − b| ≤ tol · (1 + |a|)), since another CPU's BLAS kernels may round
/// differently. `tumble_version` may differ (reported as a note, not a failure).
public struct ReportVerifier {
    public var tolerance: Double

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
        "hits_pool_size", "pixel_baseline", "pixel_baseline_auroc",
    ]

    public func compare(stored: JSONValue, rerun: JSONValue) -> Outcome {
        var outcome = Outcome()
        walk(stored, rerun, path: [], exact: false, into: &outcome)
        return outcome
    }

    private func walk(_ a: JSONValue, _ b: JSONValue, path: [String], exact: Bool, into o: inout Outcome) {
        let name = path.isEmpty ? "(report)" : path.joined(separator: ".")
        let key = path.last ?? ""
        let exactHere = exact || Self.exactKeys.contains(key) || key == "state_constant_velocity"
        switch (a, b) {
        case let (.object(x), .object(y)):
            let yKeys = Dictionary(y, uniquingKeysWith: { first, _ in first })
            for (k, va) in x {
                guard let vb = yKeys[k] else { o.differences.append("\(name).\(k): in the report, missing on re-run"); continue }
                walk(va, vb, path: path + [k], exact: exactHere, into: &o)
            }
            let xKeys = Set(x.map(\.0))
            for (k, _) in y where !xKeys.contains(k) {
                o.differences.append("\(name).\(k): produced on re-run, missing in the report")
            }
        case let (.array(x), .array(y)):
            guard x.count == y.count else {
                o.differences.append("\(name): \(x.count) entries in the report, \(y.count) on re-run")
                return
            }
            for (i, (va, vb)) in zip(x, y).enumerated() {
                walk(va, vb, path: path + ["\(i)"], exact: exactHere, into: &o)
            }
        case let (.number(x), .number(y)):
            if x == y { o.identical += 1; return }
            if !exactHere, abs(x - y) <= tolerance * (1 + abs(x)) { o.withinTolerance += 1; return }
            o.differences.append("\(name): report \(JSONValue.format(x)), re-run \(JSONValue.format(y))"
                                 + (exactHere ? " (must match exactly)" : " (tolerance \(tolerance))"))
        case let (.string(x), .string(y)):
            if x == y { return }
            if key == "tumble_version" {
                o.notes.append("report made by tumble \(x), re-run with tumble \(y)")
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
