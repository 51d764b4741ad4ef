import Foundation
import Tensor
import WorldModel

extension BenchSuite {
    /// Tensor engine: GEMM peak and the reference model's bare training step and encoding speed.
    static var tensor: BenchSuite { BenchSuite(name: "tensor", run: TensorBench.run) }
}

enum TensorBench {
    static func run() throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        var peak = try sgemmGFLOPS(repeats: 5)
        figures.append(BenchFigure(key: "sgemm_gflops", value: peak, unit: "GFLOP/s (2048² sgemm, best of 26)"))

        let model = try ReferenceStep()
        let n = ReferenceStep.clips * ReferenceStep.frames
        var rng = RNG(seed: 11)
        let pixels = (0..<(n * 64 * 64 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let actions = Tensor.randn([ReferenceStep.clips, ReferenceStep.frames, 2], rng: &rng)

        // Encode (no grad), 256 frames per call.
        _ = try model.encode(pixels)
        var encodeBest = Double.infinity
        for _ in 0..<8 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try model.encode(pixels)
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
        figures.append(BenchFigure(key: "engine_train_frames_per_s", value: fps,
                                   unit: "frames/s (reference step: 32×8 frames, encoder+EMA target+predictor+AdamW, no heads or data; best of 7)"))
        let gflops = fps * model.trainFLOPsPerFrame / 1e9
        figures.append(BenchFigure(key: "engine_train_gflops", value: gflops,
                                   unit: "GFLOP/s (\(String(format: "%.1f", model.trainFLOPsPerFrame / 1e6)) MFLOP per frame)"))
        figures.append(BenchFigure(key: "engine_train_peak_fraction", value: gflops / peak,
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
    static func profile(_ model: ReferenceStep, pixels: [UInt8], actions: Tensor, steps: Int) throws {
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
