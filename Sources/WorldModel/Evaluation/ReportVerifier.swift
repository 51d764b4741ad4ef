import Common

/// Compares a stored report with a re-run of its command, number by number.
///
/// Exact: strings (hashes, inputs), counts and the model-free numbers (pixel detector,
/// extrapolated true states). Model-derived numbers pass when bit-identical or within `tolerance`
/// relative to their size, with an absolute floor of `tolerance / 100` for numbers near zero
/// (|a − b| ≤ tol · max(|a|, |b|) + tol / 100), since another CPU's BLAS kernels may round differently.
/// The rule is relative so that a 1 % change to a small number (a latent error of 0.005) is caught;
/// the old `tol · (1 + |a|)` let any change below 1e-4 pass. `tumble_version` and the wording of
/// `definitions` may differ (reported as notes, not failures: they describe the numbers, they are
/// not results).
public struct ReportVerifier {
    public var tolerance: Double
    /// Absolute allowance added to the relative one: `tolerance / 100`.
    public var absoluteFloor: Double { tolerance / 100 }

    /// Whether two model-derived numbers agree under this verifier's tolerance.
    public func agrees(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= tolerance * max(abs(a), abs(b)) + absoluteFloor
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
            // A definition added or dropped by another version is a note; any other key is a difference.
            let descriptive = path.first == "definitions"
            for (k, va) in x {
                guard let vb = yKeys[k] else {
                    if descriptive { o.notes.append("\(name).\(k): in the report, not defined by this version of tumble") }
                    else { o.differences.append("\(name).\(k): in the report, missing on re-run") }
                    continue
                }
                walk(va, vb, path: path + [k], exact: exactHere, into: &o)
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
            for (i, (va, vb)) in zip(x, y).enumerated() {
                walk(va, vb, path: path + ["\(i)"], exact: exactHere, into: &o)
            }
        case let (.number(x), .number(y)):
            if x == y { o.identical += 1; return }
            if !exactHere, agrees(x, y) { o.withinTolerance += 1; return }
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
