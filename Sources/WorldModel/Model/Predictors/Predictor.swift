import Tensor

/// What a predictor knows of the latent it moves: the encoder's pooled map and the action width.
struct LatentShape {
    var height: Int, width: Int, channels: Int
    /// D: h·w·C for a spatial latent, else the flat size.
    var dimension: Int
    var actions: Int
    var isSpatial: Bool
}

/// The action-conditioned predictor: ẑ(t+1) from the latents z(t-1), z(t) [M, D] and the actions a(t)
/// [M, A] (nil for a scene without an actor). One file per kind; `PredictorKind.make` builds them.
protocol Predictor: Module {
    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor
    /// ẑ(t+1) outside the training loss when z(t) is itself a prediction (rollout steps ≥ 2 in evaluation, the
    /// window and planning); the same as `predict` unless the kind says otherwise.
    func predictFromPredicted(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor
}

extension Predictor {
    func predictFromPredicted(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        try predict(previous: previous, current: current, actions: actions)
    }
}

extension PredictorKind {
    /// Why this kind cannot move `latent`, or nil (conv and objects need a spatial map).
    func incompatibility(with latent: LatentKind) -> String? {
        (self == .conv || self == .objects) && latent != .spatial
            ? "a \(rawValue) predictor needs model.latent: spatial (a \(latent.rawValue) latent has no map)" : nil
    }

    /// The predictor of this kind for `shape`, its weights drawn from `rng`.
    func make(config: TrainingConfig, shape: LatentShape, rng: inout RNG) -> Predictor {
        switch self {
        case .conv: return ConvPredictor(config: config, shape: shape, rng: &rng)
        case .objects: return ObjectsPredictor(config: config, shape: shape, rng: &rng)
        case .mlp: return MLPPredictor(config: config, shape: shape, rng: &rng)
        case .gru: return SequencePredictor(config: config, shape: shape, rng: &rng)
        }
    }
}
