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
    /// Untrained initialisations scored beside the model on violation pairs (seeds 1…n).
    public var untrained: Int = EvaluationOptions.defaultUntrainedSeeds.count
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
        if untrained != EvaluationOptions.defaultUntrainedSeeds.count { words += ["--untrained", String(untrained)] }
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
        ("position_r2", "linear probe on encoded held-out frames; 1 - sum SS_res / sum SS_tot over x and y of every body, each coordinate centred on its own mean; *_r2_ci95: 95 % percentile bootstrap over episodes (2000 resamples, fixed seed), probe weights held fixed"),
        ("position_error", "mean Euclidean distance in world units between probed and true body positions at t0+k; ratio_to_copy_last: position_error / baseline_copy_last; *_ci95: 95 % percentile bootstrap over episodes (2000 resamples, one fixed seed, every k resampling the same episodes)"),
        ("velocity_r2", "velocity probe (vx, vy from z(t-1), z(t)) on frames 1..T-1 of the held-out clips, pooled as position_r2; null without a velocity probe"),
        ("angle_r2", "angle read-out on encoded held-out frames: targets (cos s*angle, sin s*angle) of every body whose orientation shows (s: its rotational symmetry, 1 for a shape with none, 2 for a box; circles excluded), pooled as position_r2; null when no body's orientation shows"),
        ("position_error_no_actions", "scenes with actions: the model's position error on the same windows rolled out with every action zeroed; ratio_to_no_actions: position_error / position_error_no_actions (below 1: the actions help)"),
        ("collision", "samples (window, body) where the body touches something in (t0, t0+K] per the dataset's collisions array"),
        ("hits_at_1", "C-SWM: each clip's first-window prediction at step k ranked by L2 against every clip's encoded true latent at that step; ties count against; one query per episode; hits_at_1_ci95: Wilson score 95 % interval over episodes; baselines in latent space: copy_last z(t0), constant_velocity z(t0) + k (z(t0) - z(t0-1))"),
        ("pooled_hits_at_1", "every rollout window of every clip is a query, ranked against the encoded true latents z(t0+k) of all windows of all clips; pooled_hits_at_1_ci95: 95 % percentile bootstrap over episodes (2000 resamples, fixed seed), ranks held fixed"),
        ("timing_hits_at_1", "every rollout window's prediction at step k ranked against the encoded latents of all frames of its own clip (timing_pool_size of them); right when frame t0+k is strictly the nearest, so a prediction a step early or late misses; interval as for pooled_hits_at_1"),
        ("absolute_accuracy", "IntPhys absolute accuracy: a clip alone is called impossible when its surprise is above surprise_threshold (the 90th percentile, linear interpolation, of the surprise of every possible clip in the dataset); fraction of the type's possible and impossible clips called right; chance 0.5; absolute_accuracy_ci95: 95 % percentile bootstrap over pairs, threshold fixed"),
        ("untrained", "the same network at untrained_seeds random initialisations, never trained, scored on the same pairs (each initialisation with its own threshold): mean, sample SD and mean +- 1.96 SD over initialisations"),
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
            ("position_r2_ci95", .array(r.positionR2CI95.map(JSONValue.finite))),
            ("position_r2_per_coordinate", .array(r.positionR2PerCoordinate.map(JSONValue.finite))),
            ("velocity_r2", r.velocityR2.map(JSONValue.finite) ?? .null),
            ("velocity_r2_ci95", r.velocityR2CI95.map { .array($0.map(JSONValue.finite)) } ?? .null),
            ("angle_r2", r.angleR2.map(JSONValue.finite) ?? .null),
            ("angle_r2_ci95", r.angleR2CI95.map { .array($0.map(JSONValue.finite)) } ?? .null),
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
        probe.append(("position_error_no_actions", r.positionErrorNoActions.map(steps) ?? .null))
        probe.append(("ratio_to_no_actions", r.positionErrorNoActions.map { steps(zip(g.model, $0).map { $1 > 0 ? $0 / $1 : .nan }) } ?? .null))
        if let c = r.positionErrorsCollision, let n = r.positionErrorsNoCollision {
            probe.append(("collision", .object(group(c))))
            probe.append(("no_collision", .object(group(n))))
        }
        var surprise: [(String, JSONValue)] = []
        func interval(_ v: [Double]) -> JSONValue { .array(v.map { .finite($0) }) }
        func spread(_ m: MeanSD?) -> JSONValue {
            guard let m else { return .null }
            return .object([("mean", .finite(m.mean)), ("sd", .finite(m.sd)), ("range95", interval(m.range95))])
        }
        for s in r.surprise {
            var fields: [(String, JSONValue)] = [
                ("pairwise_accuracy", .finite(s.pairwiseAccuracy[.max]!)),
                ("pairwise_accuracy_ci95", interval(s.pairwiseAccuracyCI95)),
                ("auroc", .finite(s.auroc[.max]!)),
                ("auroc_ci95", interval(s.aurocCI95)),
                ("absolute_accuracy", .finite(s.absoluteAccuracy[.max] ?? .nan)),
                ("absolute_accuracy_ci95", interval(s.absoluteAccuracyCI95)),
                ("pairs", .number(Double(s.pairs))),
                ("pixel_baseline", .finite(s.pixelPairwiseAccuracy)),
                ("pixel_baseline_auroc", .finite(s.pixelAUROC)),
                ("pixel_baseline_absolute_accuracy", .finite(s.pixelAbsoluteAccuracy)),
                ("mean_over_steps", .object([
                    ("pairwise_accuracy", .finite(s.pairwiseAccuracy[.mean]!)),
                    ("auroc", .finite(s.auroc[.mean]!)),
                    ("absolute_accuracy", .finite(s.absoluteAccuracy[.mean] ?? .nan)),
                ])),
            ]
            if let u = s.untrained {
                fields.append(("untrained", .object([
                    ("initialisations", .number(Double(u.initialisations))),
                    ("pairwise_accuracy", spread(u.pairwiseAccuracy[.max])),
                    ("auroc", spread(u.auroc[.max])),
                    ("absolute_accuracy", spread(u.absoluteAccuracy[.max])),
                    ("mean_over_steps", .object([
                        ("pairwise_accuracy", spread(u.pairwiseAccuracy[.mean])),
                        ("auroc", spread(u.auroc[.mean])),
                        ("absolute_accuracy", spread(u.absoluteAccuracy[.mean])),
                    ])),
                ])))
            }
            surprise.append((s.type, .object(fields)))
        }
        /// One ranking protocol's keys, each prefixed (`hits_at_1`, `pooled_hits_at_1`, …).
        func ranking(_ prefix: String, _ table: [Int: RankingComparison], poolKey: String) -> [(String, JSONValue)] {
            let ks = table.keys.sorted()
            func per(_ f: (RankingComparison) -> Double) -> JSONValue { .object(ks.map { (String($0), .finite(f(table[$0]!))) }) }
            func baseline(_ f: @escaping (RankingComparison) -> RankingScore) -> JSONValue {
                .object([("hits_at_1", per { f($0).hitsAt1 }), ("mrr", per { f($0).meanReciprocalRank })])
            }
            return [
                (prefix + "hits_at_1", per { $0.model.hitsAt1 }),
                (prefix + "hits_at_1_ci95", .object(ks.map { (String($0), interval(table[$0]!.hitsAt1CI95)) })),
                (prefix + "mrr", per { $0.model.meanReciprocalRank }),
                (poolKey, .number(Double(table[ks.first ?? 0]?.model.poolSize ?? 0))),
                ((prefix.isEmpty ? "hits_" : prefix) + "queries", .number(Double(table[ks.first ?? 0]?.queries ?? 0))),
                ((prefix.isEmpty ? "hits_" : prefix) + "baselines", .object([("copy_last", baseline(\.copyLast)), ("constant_velocity", baseline(\.constantVelocity))])),
            ]
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
                ("untrained", .number(Double(request.untrained))),
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
        ] + ranking("", r.ranking, poolKey: "hits_pool_size")
          + ranking("pooled_", r.pooledRanking, poolKey: "pooled_pool_size")
          + ranking("timing_", r.timingRanking, poolKey: "timing_pool_size") + [
            ("surprise", .object(surprise)),
            ("surprise_threshold", .object([
                ("percentile", .number(SurpriseMetrics.absoluteThresholdPercentile)),
                ("possible_clips", .number(Double(r.possibleClips))),
                ("max", .finite(r.surpriseThreshold[.max] ?? .nan)),
                ("mean_over_steps", .finite(r.surpriseThreshold[.mean] ?? .nan)),
                ("pixel_baseline", .finite(r.pixelThreshold)),
            ])),
            ("untrained_seeds", .array(r.untrainedSeeds.map { .string(String($0)) })),
            ("definitions", .object(Self.definitions.map { ($0.0, .string($0.1)) })),
        ])
    }

    // MARK: - Table

    /// Every violation-dataset clip's surprise as CSV, one row per clip (`tumble eval --clips`); nil when the data
    /// had no violation clips.
    public func clipTable() -> String? {
        result.clips.isEmpty ? nil : ClipSurprise.table(result.clips, history: result.historyLength)
    }

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
        func withInterval(_ v: Double, _ ci: [Double]?) -> String {
            num(v, 0, 3) + (ci.map { $0.count == 2 && $0[0].isFinite ? " [\(num($0[0], 0, 3)), \(num($0[1], 0, 3))]" : "" } ?? "")
        }
        line("probe position R² \(withInterval(r.positionR2, r.positionR2CI95)) over \(r.probeFrames) frames of \(r.predictionEpisodes) episodes"
             + " (linear probe, x and y of every body)")
        if let v = r.velocityR2 { line("  velocity R² " + withInterval(v, r.velocityR2CI95)) }
        if let a = r.angleR2 { line("  angle R² " + withInterval(a, r.angleR2CI95)) }
        line("  (95 % intervals: bootstrap over episodes)")
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
        if let none = r.positionErrorNoActions {
            line(label("  model with actions zeroed") + none.map { num($0) }.joined())
        }
        if let c = r.positionErrorsCollision, let n = r.positionErrorsNoCollision {
            errors("  …body collides within the horizon", c)
            errors("  …no collision within the horizon", n)
        }
        if !r.ranking.isEmpty {
            line()
            line(label("ranking: Hits@1 (MRR)", 40) + "model      95% interval     copy last   const. velocity")
            func rows(_ title: String, _ table: [Int: RankingComparison]) {
                guard let any = table.values.first else { return }
                line("  \(title): \(any.queries) queries, pool of \(any.model.poolSize)")
                for step in table.keys.sorted() {
                    let c = table[step]!
                    func score(_ s: RankingScore) -> String { num(s.hitsAt1, 6) + " (" + num(s.meanReciprocalRank, 5) + ")" }
                    line(label("    \(step) step\(step == 1 ? "" : "s")", 40) + score(c.model)
                         + String(format: "  [%.3f, %.3f]", c.hitsAt1CI95[0], c.hitsAt1CI95[1]) + "  " + score(c.copyLast) + "  " + score(c.constantVelocity))
                }
            }
            rows("first window of each episode against every episode (C-SWM)", r.ranking)
            rows("every window against every window (pooled)", r.pooledRanking)
            rows("every window against its own episode's frames (timing)", r.timingRanking)
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
            line()
            line(String(format: "absolute accuracy: one clip at a time, impossible above the %.0fth percentile of %d possible clips' surprise",
                        SurpriseMetrics.absoluteThresholdPercentile, r.possibleClips))
            line(label("", 16) + "abs(max)   95% interval   abs(mean)  pixel abs   untrained acc(max)   untrained abs(max)   (mean ± 1.96 SD, \(r.untrainedSeeds.count) inits)")
            for s in r.surprise {
                func band(_ m: MeanSD?) -> String {
                    guard let m else { return "                 –" }
                    return String(format: "%11.3f ± %.3f", m.mean, 1.96 * m.sd)
                }
                line(label("  " + s.type, 16) + num(s.absoluteAccuracy[.max] ?? .nan, 8)
                     + String(format: "  [%.3f, %.3f]", s.absoluteAccuracyCI95[0], s.absoluteAccuracyCI95[1])
                     + num(s.absoluteAccuracy[.mean] ?? .nan, 11) + num(s.pixelAbsoluteAccuracy, 11)
                     + band(s.untrained?.pairwiseAccuracy[.max]) + "  " + band(s.untrained?.absoluteAccuracy[.max]))
            }
        }
        return out
    }
}
