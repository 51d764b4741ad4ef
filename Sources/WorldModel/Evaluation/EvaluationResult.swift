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

    public var positionErrors: PositionErrorGroup
    /// Samples whose body touches something within the K-step window (nil without collision data).
    public var positionErrorsCollision: PositionErrorGroup?
    public var positionErrorsNoCollision: PositionErrorGroup?
    /// Per step k: 95 % bootstrap intervals over episodes of the model's position error and of its ratio to
    /// copy-last's, [lo, hi] each.
    public var positionErrorCI95: [[Double]] = []
    public var ratioToCopyLastCI95: [[Double]] = []

    /// Hits@1 and MRR per rollout step, one query per episode.
    public var ranking: [Int: RankingScore]

    /// Per violation type, sorted by name; empty for ordinary datasets.
    public var surprise: [SurpriseResult]
}
