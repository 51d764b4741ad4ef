import Common
import Foundation

/// The loaded checkpoint as evaluation sees it (history of two latents: z(t−1), z(t)).
extension TrainedModel: EvaluableModel {
    public var historyLength: Int { 2 }
    public var frameShape: FrameShape { FrameShape(height: info.height, width: info.width, channels: info.channels) }
    public var actionDimension: Int { info.actionDimension }
    public var probeBodies: Int { info.bodies }

    public var reportMetadata: [String: String] {
        let configDigest = FileDigest.sha256(Data(storedConfigText.utf8))
        return [
            "config_sha256": configDigest,
            "latent": "\(config.latentKind.rawValue), D = \(latentDimension)",
            "predictor": config.predictorKind.rawValue,
            "target": config.target.rawValue,
            "training_step": String(step),
            "training_seeds": trainingSeeds.summary,
            "scene": "\(info.sceneName) (sha256 \(info.sceneSHA256))",
        ]
    }

    public func trainingSeedOverlap(with seeds: [UInt64]) -> [UInt64] {
        trainingSeeds.overlap(with: seeds)
    }

    public func encode(frames: [UInt8], count: Int) throws -> [Float] {
        try encode(frames: frames)
    }

    public func predictNext(history: [Float], actions: [Float], count: Int, currentIsPredicted: Bool) throws -> [Float] {
        let d = latentDimension
        var previous = [Float](repeating: 0, count: count * d)
        var current = [Float](repeating: 0, count: count * d)
        history.withUnsafeBufferPointer { h in
            previous.withUnsafeMutableBufferPointer { p in
                current.withUnsafeMutableBufferPointer { c in
                    for r in 0..<count {
                        (p.baseAddress! + r * d).update(from: h.baseAddress! + r * 2 * d, count: d)
                        (c.baseAddress! + r * d).update(from: h.baseAddress! + (r * 2 + 1) * d, count: d)
                    }
                }
            }
        }
        return try predict(previous: previous, current: current, actions: actions, currentIsPredicted: currentIsPredicted)
    }

    public func probePositions(latents: [Float], count: Int) throws -> [Float] {
        try probePositions(latents: latents)
    }

    public func probeVelocities(previous: [Float], current: [Float], count: Int) throws -> [Float]? {
        let states = try probeStates(previous: previous, current: current)
        var out = [Float](repeating: 0, count: count * info.bodies * 2)
        for i in 0..<(count * info.bodies) {
            out[2 * i] = states[4 * i + 2]
            out[2 * i + 1] = states[4 * i + 3]
        }
        return out
    }

    public func probeAngles(latents: [Float], count: Int) throws -> [Float]? {
        try probeAngles(latents: latents)
    }

    public var angleSymmetry: [Int]? { info.data.hasTurningBodies ? info.data.orientationSymmetry : nil }

    public func decode(latents: [Float], count: Int) throws -> [UInt8] {
        try decode(latents: latents)
    }

    /// The checkpoint's config with `seed` in place of its own, initialised and never trained.
    public func untrained(seed: UInt64) throws -> EvaluableModel? {
        var fresh = config
        try fresh.override(["seed=\(seed)"])
        return TrainedModel(config: fresh, checkpointSHA256: "", trainingSeeds: trainingSeeds, info: info, step: 0,
                            network: try WorldNetwork(config: fresh, info: info))
    }
}
