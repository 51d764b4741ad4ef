/// Position errors (world units, mean Euclidean distance per body) at k = 1…K for the model and the
/// references, over one group of (window, body) samples.
public struct PositionErrorGroup: Equatable, Sendable {
    /// (window, body) samples in the group.
    public var samples: Int
    /// Probe applied to the rolled-out latents.
    public var model: [Double]
    /// Probe of the last seen frame, held.
    public var copyLast: [Double]
    /// Linear extrapolation of the probe of the last two seen frames.
    public var constantVelocity: [Double]
    /// Linear extrapolation of the true states of the last two seen frames (privileged reference).
    public var stateConstantVelocity: [Double]
}

/// The model's and the pixel detector's scores on one violation type.
public struct SurpriseResult: Equatable, Sendable {
    public var type: String
    public var pairs: Int
    /// Pairwise accuracy per clip-surprise definition (`.max` is the headline).
    public var pairwiseAccuracy: [SurpriseMetrics.Reduction: Double]
    public var auroc: [SurpriseMetrics.Reduction: Double]
    /// Pairwise accuracy and AUROC of the model-free pixel-difference detector.
    public var pixelPairwiseAccuracy: Double
    public var pixelAUROC: Double
    /// 95 % intervals of the headline (`.max`) accuracy (Wilson, over pairs) and AUROC (bootstrap over pairs), [lo, hi].
    public var pairwiseAccuracyCI95: [Double] = [.nan, .nan]
    public var aurocCI95: [Double] = [.nan, .nan]
    /// Absolute (single-clip) accuracy per definition: a clip is called impossible when its surprise exceeds the
    /// 90th percentile of the possible clips' (`EvaluationResult.surpriseThreshold`); the fraction of this type's
    /// clips, possible and impossible, called right.
    public var absoluteAccuracy: [SurpriseMetrics.Reduction: Double] = [:]
    /// 95 % bootstrap interval over pairs of the headline absolute accuracy (threshold held fixed).
    public var absoluteAccuracyCI95: [Double] = [.nan, .nan]
    /// The pixel detector's absolute accuracy, thresholded the same way on its own scores.
    public var pixelAbsoluteAccuracy: Double = .nan
    /// The same network at random initialisations (nil when the model offers none).
    public var untrained: UntrainedSurprise?
}

/// Surprise scores of the untrained network over several random initialisations: what the architecture
/// alone, before any learning, gets right.
public struct UntrainedSurprise: Equatable, Sendable {
    public var initialisations: Int
    public var pairwiseAccuracy: [SurpriseMetrics.Reduction: MeanSD]
    public var auroc: [SurpriseMetrics.Reduction: MeanSD]
    public var absoluteAccuracy: [SurpriseMetrics.Reduction: MeanSD]
}

/// Mean and sample standard deviation of a few values (n − 1 in the denominator).
public struct MeanSD: Equatable, Sendable {
    public var mean: Double
    public var sd: Double

    public init(_ values: [Double]) {
        let n = Double(values.count)
        mean = values.isEmpty ? .nan : values.reduce(0, +) / n
        let m = mean
        sd = values.count < 2 ? .nan : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
    }

    /// mean ± 1.96 SD, [lo, hi].
    public var range95: [Double] { [mean - 1.96 * sd, mean + 1.96 * sd] }
}

/// One ranking protocol at one rollout step: the model beside the latent-space baselines.
public struct RankingComparison: Equatable, Sendable {
    public var model: RankingScore
    /// ẑ(t0+k) = z(t0).
    public var copyLast: RankingScore
    /// ẑ(t0+k) = z(t0) + k·(z(t0) − z(t0−1)).
    public var constantVelocity: RankingScore
    /// 95 % interval of the model's Hits@1, [lo, hi].
    public var hitsAt1CI95: [Double]
    /// Queries ranked (one per episode for the first-window protocol, one per window otherwise).
    public var queries: Int
}

/// Every number one evaluation produces; `EvaluationReport` turns it into JSON and a table.
public struct EvaluationResult: Equatable, Sendable {
    public var horizon: Int
    public var historyLength: Int
    /// Episodes in the dataset.
    public var episodes: Int
    /// Possible (non-violating) clips used for prediction, probe and ranking metrics.
    public var predictionEpisodes: Int
    /// Rollout windows (non-overlapping, K steps each) over those clips.
    public var windows: Int

    /// Mean squared latent error per dimension at k = 1…K, rolled out from true history.
    public var latentError: [Double]
    /// The same for holding the last seen latent (how much the latents move at all).
    public var latentErrorCopyLast: [Double]
    /// Per-dimension standard deviation of the encoded latents over the evaluation frames.
    public var latentStdMean: Double
    public var latentStdMin: Double

    /// Frames the probe R² is computed over.
    public var probeFrames: Int
    public var positionR2: Double
    /// Per coordinate, ordered body 0 x, body 0 y, body 1 x, …
    public var positionR2PerCoordinate: [Double]

    /// R² of the velocity probe (vx, vy from z(t−1), z(t)) over frames 1…T−1; nil without a velocity probe.
    public var velocityR2: Double?
    /// R² of the angle read-out ((cos sθ, sin sθ) of every body whose orientation shows, s its rotational symmetry);
    /// nil when no body's orientation shows.
    public var angleR2: Double?
    /// 95 % bootstrap intervals over episodes of the three R² figures, [lo, hi] (nil where the figure is nil).
    public var positionR2CI95: [Double] = [.nan, .nan]
    public var velocityR2CI95: [Double]?
    public var angleR2CI95: [Double]?
    public var positionErrors: PositionErrorGroup
    /// Scenes with actions: the model's rollout position error with every action zeroed, k = 1…K.
    public var positionErrorNoActions: [Double]?
    /// Samples whose body touches something within the K-step window (nil without collision data).
    public var positionErrorsCollision: PositionErrorGroup?
    public var positionErrorsNoCollision: PositionErrorGroup?
    /// Per step k: 95 % bootstrap intervals over episodes of the model's position error and of its ratio to
    /// copy-last's, [lo, hi] each.
    public var positionErrorCI95: [[Double]] = []
    public var ratioToCopyLastCI95: [[Double]] = []

    /// Hits@1 and MRR per rollout step, C-SWM: each episode's first window against every episode's true latent.
    public var ranking: [Int: RankingComparison]
    /// Every window of every episode against the true latents of all windows.
    public var pooledRanking: [Int: RankingComparison] = [:]
    /// Every window against all frames of its own episode: is the prediction at the right moment?
    public var timingRanking: [Int: RankingComparison] = [:]

    /// Per violation type, sorted by name; empty for ordinary datasets.
    public var surprise: [SurpriseResult]
    /// The model's score of every violation-dataset clip (`EvaluationReport.clipTable`); not part of the JSON report.
    var clips: [ClipSurprise] = []
    /// The absolute-accuracy thresholds: 90th percentile of surprise over every possible clip, per definition, and the
    /// pixel detector's.
    public var surpriseThreshold: [SurpriseMetrics.Reduction: Double] = [:]
    public var pixelThreshold: Double = .nan
    /// Possible clips the thresholds are taken over.
    public var possibleClips: Int = 0
    /// Seeds of the untrained initialisations scored beside the model (empty: none).
    public var untrainedSeeds: [UInt64] = []
}
