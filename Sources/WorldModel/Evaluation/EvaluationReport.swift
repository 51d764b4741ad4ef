import Common
import Foundation

/// What was evaluated, exactly as given on the command line; `--verify` re-runs from these.
public struct EvaluationRequest: Equatable, Sendable {
    /// Fresh episodes of a scene instead of a dataset: what `tumble record SCENE --episodes --steps --seed`
    /// would write, simulated on the fly.
    public struct Live: Equatable, Sendable {
        /// Shipped scene name or scene file, as given.
        public var scene: String
        public var episodes: Int
        public var steps: Int
        public var seed: UInt64
        public init(scene: String, episodes: Int, steps: Int, seed: UInt64) {
            self.scene = scene; self.episodes = episodes; self.steps = steps; self.seed = seed
        }
    }
    /// Checkpoint path as given (relative paths resolve against the working directory).
    public var checkpoint: String
    /// Dataset directory as given (empty with `live`).
    public var data: String
    /// Set when the episodes come from a live scene.
    public var live: Live?
    public var horizon: Int
    /// Report path, if one is written.
    public var json: String?
    /// The directory the command ran in, written relative to the report file's directory (".." for
    /// `--json Assets/report.json` run from the repository root), so `--verify` resolves relative
    /// `checkpoint` and `data` paths from anywhere, and a report moved together with its inputs still
    /// verifies. `nil` when no report is written, and in reports made before it was recorded.
    public var workingDirectory: String?

    public init(checkpoint: String, data: String, horizon: Int = 10, json: String? = nil, workingDirectory: String? = nil,
                live: Live? = nil) {
        self.checkpoint = checkpoint
        self.data = data
        self.live = live
        self.horizon = horizon
        self.json = json
        self.workingDirectory = workingDirectory
    }

    /// The command line that produces this report, shell-quoted.
    public var command: String {
        var words = ["tumble", "eval", "--checkpoint", checkpoint]
        if let live {
            words += ["--scene", live.scene, "--episodes", String(live.episodes), "--steps", String(live.steps), "--seed", String(live.seed)]
        } else {
            words += ["--data", data]
        }
        if horizon != 10 { words += ["--horizon", String(horizon)] }
        if let json { words += ["--json", json] }
        return words.map(shellQuoted).joined(separator: " ")
    }
}

/// Quotes a word for a POSIX shell only when it needs it.
func shellQuoted(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
    }
    return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// A finished evaluation with everything needed to trust and re-run it.
public struct EvaluationReport: Equatable, Sendable {
    public var request: EvaluationRequest
    public var checkpointSHA256: String
    public var datasetManifestSHA256: String
    public var tumbleVersion: String
    public var model: [String: String]
    public var result: EvaluationResult

    public init(request: EvaluationRequest, checkpointSHA256: String, datasetManifestSHA256: String,
                tumbleVersion: String, model: [String: String], result: EvaluationResult) {
        self.request = request
        self.checkpointSHA256 = checkpointSHA256
        self.datasetManifestSHA256 = datasetManifestSHA256
        self.tumbleVersion = tumbleVersion
        self.model = model
        self.result = result
    }

    /// Relative tolerance `--verify` allows on model-derived numbers (near zero: relative to a
    /// hundredth of the largest number beside them; see `ReportVerifier`).
    public static let verifyTolerance = 1e-4

    /// Short statements of what each number means; they travel with the numbers.
    static let definitions: [(String, String)] = [
        ("latent_error", "mean over rollout windows of ||z_hat(t0+k) - z(t0+k)||^2 / D, rolled out k steps from true latents"),
        ("position_r2", "linear probe on encoded held-out frames; 1 - sum SS_res / sum SS_tot over x and y of every body, each coordinate centred on its own mean"),
        ("position_error", "mean Euclidean distance in world units between probed and true body positions at t0+k; ratio_to_copy_last: position_error / baseline_copy_last; *_ci95: 95 % percentile bootstrap over episodes (2000 resamples, one fixed seed, every k resampling the same episodes)"),
        ("collision", "samples (window, body) where the body touches something in (t0, t0+K] per the dataset's collisions array"),
        ("hits_at_1", "C-SWM: each clip's first-window prediction at step k ranked by L2 against every clip's encoded true latent at that step; ties count against; one query per episode"),
        ("surprise", "per step: 1-step teacher-forced latent error; per clip: max over steps (mean_over_steps: mean); pairwise_accuracy: possible clip strictly less surprising than its impossible twin (ties 1/2); auroc: tie-aware Mann-Whitney; pairwise_accuracy_ci95: Wilson score 95 % interval over pairs; auroc_ci95: 95 % percentile bootstrap over pairs (2000 resamples, seeded per type)"),
        ("pixel_baseline", "pairwise accuracy of the model-free detector: largest mean absolute frame-to-frame pixel difference per clip"),
        ("verify", "hashes, counts and model-free numbers must match exactly; model-derived numbers exactly or within a relative 1e-4 (near zero: of a hundredth of the largest number beside it) to allow another CPU's BLAS kernels"),
    ]

    /// The report as written to disk. Key order is fixed, so equal results give equal bytes.
    public func json() -> JSONValue {
        let r = result
        func steps(_ values: [Double]) -> JSONValue {
            .object(values.enumerated().map { (String($0.offset + 1), .finite($0.element)) })
        }
        func group(_ g: PositionErrorGroup) -> [(String, JSONValue)] {
            [("samples", .number(Double(g.samples))),
             ("position_error", steps(g.model)),
             ("baseline_copy_last", steps(g.copyLast)),
             ("baseline_constant_velocity", steps(g.constantVelocity)),
             ("state_constant_velocity", steps(g.stateConstantVelocity))]
        }
        var probe: [(String, JSONValue)] = [
            ("position_r2", .finite(r.positionR2)),
            ("position_r2_per_coordinate", .array(r.positionR2PerCoordinate.map(JSONValue.finite))),
        ]
        probe.append(("frames", .number(Double(r.probeFrames))))
        probe += group(r.positionErrors)
        func intervals(_ values: [[Double]]) -> JSONValue {
            .object(values.enumerated().map { (String($0.offset + 1), .array($0.element.map(JSONValue.finite))) })
        }
        let g = r.positionErrors
        probe.append(("position_error_ci95", intervals(r.positionErrorCI95)))
        probe.append(("ratio_to_copy_last", steps(zip(g.model, g.copyLast).map { $1 > 0 ? $0 / $1 : .nan })))
        probe.append(("ratio_to_copy_last_ci95", intervals(r.ratioToCopyLastCI95)))
        if let c = r.positionErrorsCollision, let n = r.positionErrorsNoCollision {
            probe.append(("collision", .object(group(c))))
            probe.append(("no_collision", .object(group(n))))
        }
        let rankingSteps = r.ranking.keys.sorted()
        var surprise: [(String, JSONValue)] = []
        for s in r.surprise {
            surprise.append((s.type, .object([
                ("pairwise_accuracy", .finite(s.pairwiseAccuracy[.max]!)),
                ("pairwise_accuracy_ci95", .array(s.pairwiseAccuracyCI95.map { .finite($0) })),
                ("auroc", .finite(s.auroc[.max]!)),
                ("auroc_ci95", .array(s.aurocCI95.map { .finite($0) })),
                ("pairs", .number(Double(s.pairs))),
                ("pixel_baseline", .finite(s.pixelPairwiseAccuracy)),
                ("pixel_baseline_auroc", .finite(s.pixelAUROC)),
                ("mean_over_steps", .object([
                    ("pairwise_accuracy", .finite(s.pairwiseAccuracy[.mean]!)),
                    ("auroc", .finite(s.auroc[.mean]!)),
                ])),
            ])))
        }
        return .object([
            ("tumble_version", .string(tumbleVersion)),
            ("command", .string(request.command)),
            ("inputs", .object([
                ("checkpoint", .string(request.checkpoint)),
            ] + (request.live.map { live in [
                ("scene", JSONValue.string(live.scene)), ("episodes", .number(Double(live.episodes))),
                ("steps", .number(Double(live.steps))), ("seed", .string(String(live.seed))),
            ] } ?? [("data", .string(request.data))]) + [
                ("horizon", .number(Double(request.horizon))),
                ("json", request.json.map(JSONValue.string) ?? .null),
            ] + (request.workingDirectory.map { [("working_directory", JSONValue.string($0))] } ?? []))),
            ("checkpoint_sha256", .string(checkpointSHA256)),
            ("dataset_manifest_sha256", .string(datasetManifestSHA256)),
            ("model", .object(model.keys.sorted().map { ($0, .string(model[$0]!)) })),
            ("episodes", .number(Double(r.episodes))),
            ("prediction_episodes", .number(Double(r.predictionEpisodes))),
            ("windows", .number(Double(r.windows))),
            ("horizon", .number(Double(r.horizon))),
            ("history", .number(Double(r.historyLength))),
            ("latent_error", steps(r.latentError)),
            ("latent_error_copy_last", steps(r.latentErrorCopyLast)),
            ("latent_std", .object([("mean", .finite(r.latentStdMean)), ("min", .finite(r.latentStdMin))])),
            ("probe", .object(probe)),
            ("hits_at_1", .object(rankingSteps.map { (String($0), .finite(r.ranking[$0]!.hitsAt1)) })),
            ("mrr", .object(rankingSteps.map { (String($0), .finite(r.ranking[$0]!.meanReciprocalRank)) })),
            ("hits_pool_size", .number(Double(r.ranking[rankingSteps.first ?? 0]?.poolSize ?? 0))),
            ("surprise", .object(surprise)),
            ("definitions", .object(Self.definitions.map { ($0.0, .string($0.1)) })),
        ])
    }

    // MARK: - Table

    /// The readable summary printed by `tumble eval`: the model beside its baselines.
    public func table() -> String {
        let r = result
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        func num(_ v: Double, _ width: Int = 7, _ digits: Int = 3) -> String {
            let s = v.isFinite ? String(format: "%.\(digits)f", v) : "–"
            return String(repeating: " ", count: max(0, width - s.count)) + s
        }
        func label(_ s: String, _ width: Int = 38) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        let k = r.horizon

        line("checkpoint \(checkpointSHA256.prefix(16))…  data manifest \(datasetManifestSHA256.prefix(16))…  tumble \(tumbleVersion)")
        line("episodes \(r.episodes): \(r.predictionEpisodes) possible clips, \(r.windows) rollout windows of \(k) steps, history \(r.historyLength)")
        line()
        let header = label("k =") + (1...k).map { num(Double($0), 7, 0) }.joined()
        // Latent errors are printed in a common unit 10^e chosen from the largest one: mass-normalised map
        // latents have errors near 1e-4, which four fixed decimals would show as a row of zeros.
        let largest = (r.latentError + r.latentErrorCopyLast).filter { $0.isFinite && $0 > 0 }.max() ?? 1
        let exponent = min(0, Int((log10(largest)).rounded(.down)))
        let unit = pow(10, Double(exponent))
        line("latent error (MSE per dimension" + (exponent == 0 ? ")" : ", in units of 1e\(exponent))"))
        line(header)
        line(label("  model rollout") + r.latentError.map { num($0 / unit, 7, 4) }.joined())
        line(label("  copy last latent") + r.latentErrorCopyLast.map { num($0 / unit, 7, 4) }.joined())
        line("  latent std per dimension: mean \(String(format: "%.3g", r.latentStdMean)), min \(String(format: "%.3g", r.latentStdMin))")
        line()
        line("probe position R² \(num(r.positionR2, 0, 3)) over \(r.probeFrames) frames (linear probe, x and y of every body)")
        func errors(_ title: String, _ g: PositionErrorGroup) {
            line("\(title) (\(g.samples) samples)")
            line(header)
            line(label("  model: probe of rollout") + g.model.map { num($0) }.joined())
            line(label("  baseline: copy last (probe)") + g.copyLast.map { num($0) }.joined())
            line(label("  baseline: const. velocity (probe)") + g.constantVelocity.map { num($0) }.joined())
            line(label("  reference: const. velocity (states)") + g.stateConstantVelocity.map { num($0) }.joined())
        }
        errors("position error, world units", r.positionErrors)
        if r.positionErrorCI95.count == r.horizon, r.horizon > 0 {
            let g = r.positionErrors, k = r.horizon
            func pair(_ v: [Double]) -> String { String(format: "[%.3f, %.3f]", v[0], v[1]) }
            line(String(format: "  95%% intervals over episodes at k = %d: model %@, model / copy last %.3f %@", k,
                        pair(r.positionErrorCI95[k - 1]), g.model[k - 1] / g.copyLast[k - 1], pair(r.ratioToCopyLastCI95[k - 1])))
        }
        if let c = r.positionErrorsCollision, let n = r.positionErrorsNoCollision {
            errors("  …body collides within the horizon", c)
            errors("  …no collision within the horizon", n)
        }
        if !r.ranking.isEmpty {
            line()
            let pool = r.ranking.values.first!.poolSize
            line("ranking (C-SWM, pool of \(pool) episodes)" + String(repeating: " ", count: 4) + "  hits@1      MRR")
            for step in r.ranking.keys.sorted() {
                let s = r.ranking[step]!
                line(label("  \(step) step\(step == 1 ? "" : "s")", 40) + num(s.hitsAt1, 8) + num(s.meanReciprocalRank, 9))
            }
        }
        if !r.surprise.isEmpty {
            line()
            line(label("surprise", 16) + "pairs   acc(max)   95% interval  AUROC(max)  acc(mean)  AUROC(mean)  pixel acc  pixel AUROC")
            for s in r.surprise {
                let ci = String(format: "  [%.3f, %.3f]", s.pairwiseAccuracyCI95[0], s.pairwiseAccuracyCI95[1])
                line(label("  " + s.type, 16) + num(Double(s.pairs), 5, 0)
                     + num(s.pairwiseAccuracy[.max]!, 11) + ci + num(s.auroc[.max]!, 12)
                     + num(s.pairwiseAccuracy[.mean]!, 11) + num(s.auroc[.mean]!, 13)
                     + num(s.pixelPairwiseAccuracy, 11) + num(s.pixelAUROC, 13))
            }
        }
        return out
    }
}
