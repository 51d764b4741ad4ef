import Foundation
import Tensor

/// The tensor engine's benchmark: the reference configuration (64×64 RGB frames, encoder conv 3→32→64→64→128
/// k4 s2 p1 with ReLU + linear 2048→128, EMA target, predictor MLP 258→512→512→128 around z(t), MSE, AdamW lr
/// 3e-4 wd 0.01, 32 clips × 8 frames) built from the product's own `Encoder` and `MLPPredictor`, trained
/// without heads or data loading so the figure compares the engine with other frameworks on the same model.
public final class ReferenceStep {
    public static let clips = 32, frames = 8, size = 64, actionSize = 2
    let network: WorldNetwork
    let optimizer: AdamW

    public init() throws {
        let config = try TrainingConfig(yaml: """
            model: {latent: global, encoder: {channels: [32, 64, 64, 128], kernels: [4, 4, 4, 4], strides: [2, 2, 2, 2], pool: 1, output: linear, normalise: none}, global_dim: 128, predictor: {kind: mlp, hidden: [512, 512]}}
            objective: {target: ema}
            optim: {lr: 3.0e-4, weight_decay: 0.01}
            seed: 7
            """, source: "ReferenceStep")
        let info = ModelInfo(height: Self.size, width: Self.size, channels: 3, bodies: 1, actionSize: Self.actionSize,
                             sceneSHA256: "", sceneName: "reference", stateMean: [0, 0, 0, 0], stateStd: [1, 1, 1, 1], observationHz: 15)
        network = try WorldNetwork(config: config, info: info)
        optimizer = AdamW(network.encoder.parameters(prefix: "encoder.") + network.predictorParameters,
                          learningRate: 3e-4, weightDecay: 0.01)
    }

    /// Predictions per clip: ẑ(t+1) from z(t−1), z(t) for t = 1 … T−2.
    static var predictionsPerClip: Int { frames - 2 }

    /// Latents of uint8 frames [N, 64, 64, 3] (no graph).
    public func encode(_ pixels: [UInt8]) throws -> Tensor {
        try Tensor.noGrad { try network.encode(pixels.withUnsafeBufferPointer { network.input(frames: $0, count: pixels.count / (64 * 64 * 3)) }) }
    }

    /// One full training step on uint8 frames [clips·frames, 64, 64, 3] and actions [clips, frames, 2].
    @discardableResult
    public func step(pixels: [UInt8], actions: Tensor) throws -> Float {
        let b = Self.clips, t = Self.frames, d = network.latentDimension, p = Self.predictionsPerClip
        let x = Profiler.measure("step: pixels→float") { pixels.withUnsafeBufferPointer { network.input(frames: $0, count: b * t) } }
        let z = try Profiler.measure("step: encoder fwd") { try network.encode(x).reshaped([b, t, d]) }
        let zt = try Profiler.measure("step: target fwd") { try Tensor.noGrad { try network.encode(x, useTarget: true).reshaped([b, t, d]) } }
        let loss = try Profiler.measure("step: predictor+loss fwd") { () throws -> Tensor in
            let prev = try z.slice(axis: 1, 0..<p).reshaped([b * p, d]), cur = try z.slice(axis: 1, 1..<(p + 1)).reshaped([b * p, d])
            let act = try actions.slice(axis: 1, 1..<(p + 1)).reshaped([b * p, Self.actionSize])
            let pred = try network.predict(previous: prev, current: cur, actions: act)
            return try Tensor.mse(pred, zt.slice(axis: 1, 2..<(p + 2)).reshaped([b * p, d]))
        }
        optimizer.zeroGrad()
        try Profiler.measure("step: backward") { try loss.backward() }
        try Profiler.measure("step: AdamW") { try optimizer.step() }
        try Profiler.measure("step: EMA update") { try network.updateTarget(momentum: 0.996) }
        return try loss.item()
    }

    /// FLOPs of one training step per frame, 2 per multiply–accumulate of the GEMM-shaped work: encoder
    /// forward; encoder backward = weight gradients of every layer plus input gradients of every layer but the
    /// first; EMA target forward; predictor forward + backward (3× its forward) per prediction. Elementwise
    /// work (bias, ReLU, loss, AdamW, EMA) is not counted.
    public var trainFLOPsPerFrame: Double {
        var size = Self.size
        var layers: [Double] = []
        for c in network.encoder.convs {
            let w = c.weight.shape // [out, k, k, in]
            size = (size + 2 * c.padding - w[1]) / c.stride + 1
            layers.append(Double(size * size * w[0] * w[1] * w[2] * w[3]))
        }
        layers.append(Double(network.encoder.head!.weight.count))
        let fwd = layers.reduce(0, +)
        let bwd = fwd + (fwd - layers[0])
        let predMACs = Double(network.predictorParameters.filter { $0.name.hasSuffix(".weight") }.reduce(0) { $0 + $1.tensor.count })
        let predPerFrame = 3 * predMACs * Double(Self.predictionsPerClip) / Double(Self.frames)
        return 2 * (fwd + bwd + fwd + predPerFrame)
    }
}
