import Foundation
import Tensor

extension BenchSuite {
    /// Tensor engine: GEMM peak and the reference world-model configuration's training and encoding speed.
    static var tensor: BenchSuite { BenchSuite(name: "tensor", run: TensorBench.run) }
}

/// The design's reference configuration, built from Tensor modules: 64×64 RGB frames, encoder conv
/// 3→32→64→64→128 (k4 s2 p1, ReLU) + linear 2048→128, EMA target, predictor MLP 258→512→512→128 with a
/// residual, MSE, AdamW (lr 3e-4, wd 0.01), batch 32 clips × 8 frames.
final class ReferenceWorldModel {
    static let clips = 32, frames = 8, size = 64, latent = 128, actionDim = 2
    let encoder: ConvEncoder
    let ema: EMA<ConvEncoder>
    let predictor: MLP
    let optimizer: AdamW

    init(seed: UInt64) throws {
        var rng = RNG(seed: seed)
        encoder = ConvEncoder(inputSize: Self.size, channels: [3, 32, 64, 64, 128], latent: Self.latent, rng: &rng)
        ema = try EMA(online: encoder, target: ConvEncoder(inputSize: Self.size, channels: [3, 32, 64, 64, 128], latent: Self.latent, rng: &rng))
        predictor = MLP([2 * Self.latent + Self.actionDim, 512, 512, Self.latent], rng: &rng)
        optimizer = AdamW(encoder.parameters(prefix: "encoder.") + predictor.parameters(prefix: "predictor."),
                          learningRate: 3e-4, weightDecay: 0.01)
    }

    /// Predictions per clip: ẑ(t+1) = z(t) + f(z(t−1), z(t), a(t)) for t = 1 … T−2.
    static var predictionsPerClip: Int { frames - 2 }

    /// One full training step on uint8 frames [clips·frames, 64, 64, 3] and actions [clips, frames, 2].
    @discardableResult
    func step(pixels: [UInt8], actions: Tensor) throws -> Float {
        let b = Self.clips, t = Self.frames, d = Self.latent, p = Self.predictionsPerClip
        let x = try Profiler.measure("step: pixels→float") {
            try pixels.withUnsafeBufferPointer { try Tensor(bytes: $0, shape: [b * t, Self.size, Self.size, 3], scale: 1 / 255) }
        }
        let z = try Profiler.measure("step: encoder fwd") { try encoder(x).reshaped([b, t, d]) }
        let zt = try Profiler.measure("step: target fwd") { try Tensor.noGrad { try ema.target(x).reshaped([b, t, d]) } }
        let loss = try Profiler.measure("step: predictor+loss fwd") { () throws -> Tensor in
            let prev = try z.slice(axis: 1, 0..<p), cur = try z.slice(axis: 1, 1..<(p + 1))
            let act = try actions.slice(axis: 1, 1..<(p + 1))
            let input = try Tensor.concat([prev, cur, act], axis: 2).reshaped([b * p, 2 * d + Self.actionDim])
            let pred = try cur.reshaped([b * p, d]) + predictor(input)
            let target = try zt.slice(axis: 1, 2..<(p + 2)).reshaped([b * p, d])
            return try Tensor.mse(pred, target)
        }
        optimizer.zeroGrad()
        try Profiler.measure("step: backward") { try loss.backward() }
        try Profiler.measure("step: AdamW") { try optimizer.step() }
        try Profiler.measure("step: EMA update") { try ema.update(from: encoder, momentum: 0.996) }
        return try loss.item()
    }

    /// Multiply–accumulates of one encoder forward pass per frame, layer by layer.
    var encoderMACsPerLayer: [Double] {
        var size = Self.size
        var macs: [Double] = []
        for c in encoder.convs {
            let w = c.weight.shape // [out, k, k, in]
            size = (size + 2 * c.padding - w[1]) / c.stride + 1
            macs.append(Double(size * size * w[0] * w[1] * w[2] * w[3]))
        }
        macs.append(Double(encoder.head.weight.count))
        return macs
    }

    /// FLOPs of one training step per frame, counted as 2 per multiply–accumulate of the GEMM-shaped work
    /// the step must do: encoder forward; encoder backward = weight gradients of every layer plus input
    /// gradients of every layer but the first (the pixels need none, so none are computed); EMA target
    /// forward; predictor forward + backward (3× its forward) for each prediction. Elementwise work
    /// (bias, ReLU, loss, AdamW, EMA) is not counted.
    var trainFLOPsPerFrame: Double {
        let layers = encoderMACsPerLayer
        let fwd = layers.reduce(0, +)
        let bwd = fwd + (fwd - layers[0])
        let predMACs = Double(predictor.layers.reduce(0) { $0 + $1.weight.count })
        let predPerFrame = 3 * predMACs * Double(Self.predictionsPerClip) / Double(Self.frames)
        return 2 * (fwd + bwd + fwd + predPerFrame)
    }
}

enum TensorBench {
    static func run() throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        var peak = try sgemmGFLOPS(repeats: 5)
        figures.append(BenchFigure(key: "sgemm_gflops", value: peak, unit: "GFLOP/s (2048² sgemm, best of 26)"))

        let model = try ReferenceWorldModel(seed: 7)
        let n = ReferenceWorldModel.clips * ReferenceWorldModel.frames
        var rng = RNG(seed: 11)
        let pixels = (0..<(n * 64 * 64 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let actions = Tensor.randn([ReferenceWorldModel.clips, ReferenceWorldModel.frames, 2], rng: &rng)

        // Encode (no grad), 256 frames per call.
        let x = try pixels.withUnsafeBufferPointer { try Tensor(bytes: $0, shape: [n, 64, 64, 3], scale: 1 / 255) }
        _ = try Tensor.noGrad { try model.encoder(x) }
        var encodeBest = Double.infinity
        for _ in 0..<8 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try Tensor.noGrad { try model.encoder(x) }
            encodeBest = min(encodeBest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        figures.append(BenchFigure(key: "encode_frames_per_s", value: Double(n) / encodeBest,
                                   unit: "frames/s (reference encoder, batch 256, no grad; best of 8)"))

        // Training steps: two warm-up steps (buffer pool fills), then 7 timed steps, each right after a GEMM peak
        // measurement so that both see the same machine load; the best of each is reported.
        for _ in 0..<2 { try model.step(pixels: pixels, actions: actions) }
        var best = Double.infinity
        for _ in 0..<7 {
            peak = max(peak, try sgemmGFLOPS(repeats: 3))
            let t0 = DispatchTime.now().uptimeNanoseconds
            try model.step(pixels: pixels, actions: actions)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        figures[0].value = peak
        let fps = Double(n) / best
        figures.append(BenchFigure(key: "train_frames_per_s", value: fps,
                                   unit: "frames/s (reference step: 32×8 frames, encoder+EMA target+predictor+AdamW; best of 7)"))
        let gflops = fps * model.trainFLOPsPerFrame / 1e9
        figures.append(BenchFigure(key: "train_gflops", value: gflops,
                                   unit: "GFLOP/s (\(String(format: "%.1f", model.trainFLOPsPerFrame / 1e6)) MFLOP per frame)"))
        figures.append(BenchFigure(key: "train_peak_fraction", value: gflops / peak,
                                   unit: "of sgemm_gflops"))
        if let steps = ProcessInfo.processInfo.environment["TUMBLE_PROFILE"] {
            try profile(model, pixels: pixels, actions: actions, steps: Int(steps) ?? 3)
        }
        return figures
    }

    /// CPU time of the whole process (all threads).
    static func cpuSeconds() -> Double {
        var t = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// `TUMBLE_PROFILE=N tumble bench --only tensor`: time per phase of N reference steps, to stderr.
    static func profile(_ model: ReferenceWorldModel, pixels: [UInt8], actions: Tensor, steps: Int) throws {
        let n = pixels.count / (64 * 64 * 3)
        let c0 = cpuSeconds(), w0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { try model.step(pixels: pixels, actions: actions) }
        let cpu = (cpuSeconds() - c0) / Double(steps), wall = Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9 / Double(steps)
        Profiler.reset(); Profiler.enabled = true
        for _ in 0..<steps { try model.step(pixels: pixels, actions: actions) }
        Profiler.enabled = false
        var text = String(format: "unprofiled step: %.1f ms wall, %.1f ms CPU (all threads)\n", wall * 1000, cpu * 1000)
        text += "profile of one reference step (mean of \(steps)):\n"
        text += "   wall/step  fastest×calls   CPU/step  calls  phase\n"
        var stepCPU = 0.0
        for r in Profiler.report() {
            let calls = r.calls / steps
            if r.label.hasPrefix("step:") { stepCPU += r.cpuSeconds / Double(steps) }
            text += String(format: "  %8.2f ms  %10.2f ms  %8.2f ms  %5d  %@\n", r.seconds / Double(steps) * 1000,
                           r.fastest * Double(calls) * 1000, r.cpuSeconds / Double(steps) * 1000, calls, r.label)
        }
        text += String(format: "CPU time of the step phases: %.1f ms per step (%.0f frames/s if both cores were busy throughout)\n",
                       stepCPU * 1000, Double(n) / stepCPU * 2)
        FileHandle.standardError.write(text.data(using: .utf8)!)
    }

    static let gemmOperands: (Tensor, Tensor) = {
        var rng = RNG(seed: 3)
        return (Tensor.randn([2048, 2048], rng: &rng), Tensor.randn([2048, 2048], rng: &rng))
    }()

    /// Best of `repeats` 2048×2048×2048 products through the engine's matmul (OpenBLAS, all cores).
    static func sgemmGFLOPS(repeats: Int) throws -> Double {
        let (a, b) = gemmOperands, size = 2048
        _ = try a.matmul(b)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try a.matmul(b)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }
}
