import Foundation
import Tensor
import WorldModel

/// A trained checkpoint as the window's model: each observed frame is encoded once; the predictor is rolled
/// out k steps under the same actions the simulator's true future uses; the linear probe reads body
/// positions off every imagined latent; the decoder draws the predicted next latent.
///
/// Surprise is the latent prediction error of the frame just seen: the mean squared difference between its
/// encoding and the latent predicted for it one step earlier.
public final class TrainedModelAdapter: ViewerModel {
    public let model: TrainedModel
    private var previous: [Float]?
    private var current: [Float]?
    /// ẑ(t+1), predicted at the last `imagine`.
    private var predictedNext: [Float]?

    /// Also limits OpenBLAS to one thread: the window's inference is one frame at a time, too small to
    /// share, and OpenBLAS's idle workers spin (sched_yield) on the core the window draws with, which made
    /// a 2-core frame four times slower.
    public init(model: TrainedModel) {
        self.model = model
        BLAS.threads = 1
    }

    /// Loads a checkpoint written by `tumble train`; a missing, truncated or foreign file throws an error
    /// naming the file and what is wrong.
    public static func load(checkpoint url: URL) throws -> TrainedModelAdapter {
        TrainedModelAdapter(model: try TrainedModel.load(checkpoint: url))
    }

    public var label: String {
        "\(model.info.sceneName) · \(model.checkpointSHA256.prefix(12)) · step \(model.step)"
    }

    public var frameSize: (height: Int, width: Int, channels: Int) {
        (model.info.height, model.info.width, model.info.channels)
    }

    public func observe(frame: UnsafeBufferPointer<UInt8>, action: UnsafeBufferPointer<Float>?) -> Float? {
        guard let z = try? model.encode(frames: Array(frame)) else { return nil }
        var surprise: Float?
        if let zhat = predictedNext, zhat.count == z.count, !z.isEmpty {
            var sum: Float = 0
            for i in z.indices { let d = z[i] - zhat[i]; sum += d * d }
            surprise = sum / Float(z.count)
        }
        previous = current ?? z
        current = z
        predictedNext = nil
        return surprise
    }

    public func imagine(steps k: Int, futureActions: [[Float]]) -> [[SIMD2<Float>]] {
        guard k > 0, let z = current else { return [] }
        let a = model.info.actionSize, d = model.latentDimension, n = model.info.bodies
        var actions = [Float]()
        actions.reserveCapacity(k * a)
        for s in 0..<k {
            let given = s < futureActions.count ? futureActions[s] : []
            for j in 0..<a { actions.append(j < given.count ? given[j] : 0) }
        }
        guard let latents = try? model.rollout(previous: previous ?? z, current: z, actions: actions, steps: k),
              latents.count == k * d, let positions = try? model.probePositions(latents: latents),
              positions.count == k * n * 2 else { return [] }
        predictedNext = Array(latents[0..<d])
        return (0..<k).map { s in (0..<n).map { b in SIMD2(positions[(s * n + b) * 2], positions[(s * n + b) * 2 + 1]) } }
    }

    public func decodePrediction(into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard let z = predictedNext, let picture = try? model.decode(latents: z), picture.count <= out.count else { return false }
        picture.withUnsafeBufferPointer { p in _ = UnsafeMutableBufferPointer(rebasing: out[0..<p.count]).initialize(from: p) }
        return true
    }

    public func resetHistory() {
        previous = nil; current = nil; predictedNext = nil
    }

    /// Online training needs a trainer step over recent frames; until WorldModel offers one, the window says
    /// "this model cannot learn online" when L is pressed.
    public var supportsLearning: Bool { false }
    public func learnStep() -> Float? { nil }
}
