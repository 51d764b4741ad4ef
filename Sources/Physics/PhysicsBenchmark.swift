import CBox2D
import Foundation

/// Measures stepping through `World` against a plain C++ loop of `b2World::Step` on the same world.
///
/// Fairness: both sides get a world built by `World.reset(seed:)` with the same seed, which is byte-identical by
/// construction; one is advanced with `World.step(action: nil)` (Swift path: persistent-force pass, contact-flag
/// clearing and read-out per observation), the other by `tb_bench_plain_steps` (nothing but `Step`). The final states
/// are compared, so the two sides provably did the same work. Rounds alternate which side runs first; the best
/// round of each counts (least disturbed by other processes).
public enum PhysicsBenchmark {
    public struct Result: Sendable {
        public var swiftStepsPerSecond: Double
        public var cppStepsPerSecond: Double
        /// Whether both sides ended in byte-identical states.
        public var identical: Bool
        /// Swift time over C++ time (1.0 means no overhead).
        public var overhead: Double { cppStepsPerSecond / swiftStepsPerSecond }
    }

    /// `physicsSteps` is rounded down to a whole number of observations.
    public static func compare(scene: Scene, seed: UInt64 = 1, physicsSteps: Int, rounds: Int = 3) throws -> Result {
        let observations = max(1, physicsSteps / scene.observeEvery)
        let steps = observations * scene.observeEvery
        let viaSwift = try World(scene: scene), viaCpp = try World(scene: scene)
        var bestSwift = Double.infinity, bestCpp = Double.infinity
        var identical = true
        for round in 0..<max(1, rounds) {
            viaSwift.reset(seed: seed)
            viaCpp.reset(seed: seed)
            func runSwift() {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<observations { viaSwift.step(action: nil) }
                bestSwift = min(bestSwift, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            func runCpp() {
                let seconds = tb_bench_plain_steps(viaCpp.handle, scene.timestep, Int32(scene.velocityIterations),
                                                   Int32(scene.positionIterations), Int32(steps))
                bestCpp = min(bestCpp, seconds)
            }
            if round % 2 == 0 { runSwift(); runCpp() } else { runCpp(); runSwift() }
            identical = identical && exportAll(viaSwift) == exportAll(viaCpp)
        }
        return Result(swiftStepsPerSecond: Double(steps) / bestSwift, cppStepsPerSecond: Double(steps) / bestCpp,
                      identical: identical)
    }

    private static func exportAll(_ w: World) -> [Float] {
        var s = [Float](repeating: 0, count: w.bodyCount * 6)
        s.withUnsafeMutableBufferPointer { w.exportStates(into: $0) }
        return s
    }
}
