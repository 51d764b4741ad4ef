/// One row-aligned strip of frames for the report page: what happened (actual) above what the model
/// predicted, decoded to pixels, step by step.
public struct FrameStrip: Sendable {
    public var title: String
    public var shape: FrameShape
    /// Actual frames, uint8 [K, H, W, C].
    public var actual: [UInt8]
    /// Decoded predictions of the same steps, uint8 [K, H, W, C].
    public var predicted: [UInt8]
    /// Optional: the decoder applied to the encoded actual frames, [K, H, W, C]. It separates what
    /// the decoder loses from what the prediction gets wrong.
    public var reconstructed: [UInt8]?
    /// Column captions, one per frame (e.g. "t+1").
    public var labels: [String]

    public init(title: String, shape: FrameShape, actual: [UInt8], predicted: [UInt8],
                reconstructed: [UInt8]? = nil, labels: [String]) {
        self.title = title
        self.shape = shape
        self.actual = actual
        self.predicted = predicted
        self.reconstructed = reconstructed
        self.labels = labels
    }

    /// Frames in the strip.
    public var count: Int { labels.count }

    /// Rolls `model` out from true history ending at frame `start` of one episode and decodes each
    /// prediction: the strip the report page shows.
    /// - Parameters:
    ///   - frames: one episode's frames, uint8 [T, H, W, C].
    ///   - actions: that episode's actions [T, A] (`actions[t]` leads from frame t to t+1); [] when A = 0.
    ///   - start: last seen frame t0 (≥ historyLength − 1); predicts t0+1 … t0+steps.
    public static func rollout(model: EvaluableModel, frames: [UInt8], actions: [Float], start: Int, steps: Int,
                               title: String) throws -> FrameStrip {
        let shape = model.frameShape, size = shape.byteCount
        let d = model.latentDimension, h = model.historyLength, a = model.actionDimension
        let available = frames.count / max(1, size)
        guard start >= h - 1, steps >= 1, start + steps < available, frames.count == available * size,
              actions.count >= (start + steps) * a else {
            throw EvaluationError.invalidArguments(
                "frame strip: need frames \(start - h + 1)…\(start + steps) and their actions; the episode has \(available) frames")
        }
        let calls = ModelCalls(model: model, maximumBatch: 256)
        let first = start - h + 1
        let z = try calls.encode(Array(frames[(first * size)..<((start + steps + 1) * size)]), count: start + steps + 1 - first)
        var history = Array(z[0..<(h * d)])
        var predicted: [Float] = []
        for k in 1...steps {
            let action = a > 0 ? Array(actions[((start + k - 1) * a)..<((start + k) * a)]) : []
            let next = try calls.predict(history: history, actions: action, count: 1, rolloutStep: k)
            predicted += next
            history = Array(history.dropFirst(d)) + next
        }
        let truthLatents = Array(z[(h * d)...])
        let decoded = try model.decode(latents: predicted, count: steps)
        let reconstructed = try model.decode(latents: truthLatents, count: steps)
        guard decoded.count == steps * size, reconstructed.count == steps * size else {
            throw EvaluationError.modelOutput(call: "decode", expected: steps * size, found: decoded.count)
        }
        return FrameStrip(title: title, shape: shape,
                          actual: Array(frames[((start + 1) * size)..<((start + steps + 1) * size)]),
                          predicted: decoded, reconstructed: reconstructed,
                          labels: (1...steps).map { "t+\($0)" })
    }
}
