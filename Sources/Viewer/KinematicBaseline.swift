import Common
import Foundation
import Observation
import Physics

/// A model that reads true states instead of pixels: the viewer's stand-in while no trained model is loaded.
protocol StateOracleModel: ViewerModel {
    func connect(oracle: Sandbox)
}

/// An honest test double for `ViewerModel`: constant velocity over the simulator's *true* states, plus an
/// acceleration (gravity) that live learning fits online. It is not a learned world model and the HUD
/// says so; it exists so the whole window — ghosts, imagination, decoded picture, surprise, learning —
/// runs and is tested before a trained JEPA is plugged in, and as a baseline to compare one against.
///
/// Its "decoded prediction" is the rasteriser's picture of the bodies moved to their predicted places, and
/// its surprise is the mean squared pixel error between that picture and the frame actually seen, so an
/// injected vanish or teleport shows as a spike, exactly as a frame-reading model's would.
final class KinematicBaseline: StateOracleModel {
    private weak var oracle: Sandbox?
    private let initialFrameSize: (height: Int, width: Int, channels: Int)
    /// The sandbox's frame once connected (the baseline renders with whatever the stream renders).
    var frameSize: (height: Int, width: Int, channels: Int) {
        guard let r = oracle?.rasterizer else { return initialFrameSize }
        return (r.height, r.width, r.channels)
    }

    private let lock = NSLock()
    /// Learned constant acceleration (world units/s²), guarded by `lock`.
    private var acceleration = SIMD2<Float>(0, 0)
    private var learnedSteps = 0
    /// Velocity transitions (v before, v after) seen so far, guarded by `lock`.
    private var transitions: [(SIMD2<Float>, SIMD2<Float>)] = []
    private var transitionHead = 0
    private let transitionCapacity = 4096
    private var interval: Float = 1.0 / 15
    private var random = SplitMix64(seed: 0x6261_7365)

    // What was observed last (main thread only).
    private var positions: [SIMD2<Float>] = []
    private var velocities: [SIMD2<Float>] = []
    private var present: [Bool] = []
    private var predicted: [UInt8] = []
    private var hasPrediction = false
    private var moved: [Drawable] = []

    init(frameHeight: Int = 64, frameWidth: Int = 64, channels: Int = 3) {
        initialFrameSize = (frameHeight, frameWidth, channels)
    }

    var label: String {
        lock.lock(); defer { lock.unlock() }
        return learnedSteps == 0 ? "constant-velocity baseline on true states (not learned)"
                                 : "baseline on true states: constant velocity + fitted gravity"
    }

    func connect(oracle: Sandbox) { self.oracle = oracle }

    /// The acceleration live learning has fitted so far.
    var learnedAcceleration: SIMD2<Float> { lock.lock(); defer { lock.unlock() }; return acceleration }

    func observe(frame: UnsafeBufferPointer<UInt8>, action: UnsafeBufferPointer<Float>?) -> Float? {
        guard let o = oracle else { return nil }
        interval = Float(o.interval)
        var surprise: Float?
        if hasPrediction, predicted.count == frame.count {
            var sum: Float = 0
            predicted.withUnsafeBufferPointer { p in
                for i in 0..<frame.count { let d = Float(frame[i]) - Float(p[i]); sum += d * d }
            }
            surprise = sum / Float(frame.count) / (255 * 255) * 100
        }
        let n = o.mask.count
        var newPositions = [SIMD2<Float>](repeating: .zero, count: n)
        var newVelocities = newPositions
        for i in 0..<n where o.mask[i] {
            newPositions[i] = o.position(of: i)!
            newVelocities[i] = o.velocity(of: i)!
        }
        if present.count == n {   // not the first frame of an episode
            lock.lock()
            for i in 0..<n where present[i] && o.mask[i] {
                let t = (velocities[i], newVelocities[i])
                if transitions.count < transitionCapacity { transitions.append(t) } else {
                    transitions[transitionHead] = t; transitionHead = (transitionHead + 1) % transitionCapacity
                }
            }
            lock.unlock()
        }
        positions = newPositions; velocities = newVelocities; present = o.mask
        renderPrediction(oracle: o)
        return surprise
    }

    /// Draws the scene with every body moved to its predicted next position.
    private func renderPrediction(oracle o: Sandbox) {
        let next = predict(step: 1)
        moved.removeAll(keepingCapacity: true)
        for d in o.drawables {
            guard d.body >= 0 else { moved.append(d); continue }
            guard d.body < next.count, present[d.body] else { continue }
            let shift = next[d.body] - positions[d.body]
            var m = d
            switch d.geometry {
            case let .circle(c, r, a): m.geometry = .circle(center: c + shift, radius: r, angle: a)
            case let .polygon(p): m.geometry = .polygon(p.map { $0 + shift })
            case let .segment(a, b, t): m.geometry = .segment(a + shift, b + shift, thickness: t)
            }
            moved.append(m)
        }
        let r = o.rasterizer
        if predicted.count != r.frameByteCount { predicted = [UInt8](repeating: 0, count: r.frameByteCount) }
        predicted.withUnsafeMutableBufferPointer { r.draw(moved, camera: o.world.camera, into: $0) }
        hasPrediction = true
    }

    private func predict(step: Int) -> [SIMD2<Float>] {
        let g = learnedAcceleration
        let t = Float(step) * interval
        return (0..<positions.count).map { i in
            present[i] ? positions[i] + velocities[i] * t + 0.5 * g * t * t : SIMD2(repeating: .nan)
        }
    }

    func imagine(steps: Int, futureActions: [[Float]]) -> [[SIMD2<Float>]] {
        guard steps > 0 else { return [] }
        return (1...steps).map { predict(step: $0) }
    }

    func decodePrediction(into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard hasPrediction, out.count >= predicted.count else { return false }
        predicted.withUnsafeBufferPointer { p in _ = out.initialize(from: p) }
        return true
    }

    func resetHistory() {
        hasPrediction = false
        positions = []; velocities = []; present = []
    }

    var supportsLearning: Bool { true }

    /// One SGD step on a random batch of velocity transitions with a Huber loss on v' − (v + a·Δt): robust,
    /// so the bounces (large velocity changes in a few transitions) don't drag the fit away from gravity.
    func learnStep() -> Float? {
        lock.lock(); defer { lock.unlock() }
        guard transitions.count >= 16 else { return nil }
        let dt = interval
        let delta: Float = 0.5   // m/s: errors beyond this count linearly
        var grad = SIMD2<Float>(0, 0), loss: Float = 0
        let batch = 64
        for _ in 0..<batch {
            let (v0, v1) = transitions[random.integer(0, transitions.count - 1)]
            let e = v1 - (v0 + acceleration * dt)
            for k in 0..<2 {
                let a = abs(e[k])
                loss += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta)
                grad[k] += -dt * min(max(e[k], -delta), delta)
            }
        }
        loss /= Float(batch); grad /= Float(batch)
        // Step size in units of dt², so the fit moves at the same pace whatever the observation rate.
        acceleration -= grad * (0.2 / (dt * dt))
        learnedSteps += 1
        return loss
    }
}
