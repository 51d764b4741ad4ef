import Physics

extension BenchSuite {
    /// Physics stepping through the Swift `World` beside a plain C++ `b2World::Step` loop on the same world
    /// (target: Swift within 1.1× of C++).
    static let physics = BenchSuite(name: "physics") {
        var figures: [BenchFigure] = []
        for (name, steps) in [("bounce", 40_000), ("pile500", 600)] {
            let scene = try Scene.load(name)
            let r = try PhysicsBenchmark.compare(scene: scene, seed: 1, physicsSteps: steps, rounds: 3)
            if !r.identical {
                throw BenchFailure(message: "physics bench: the Swift and C++ runs of \(name) ended in different states")
            }
            figures.append(BenchFigure(key: "physics_steps_per_s.\(name)", value: r.swiftStepsPerSecond, unit: "steps/s"))
            figures.append(BenchFigure(key: "physics_cpp_steps_per_s.\(name)", value: r.cppStepsPerSecond,
                                       unit: "steps/s, plain C++ loop"))
            figures.append(BenchFigure(key: "physics_swift_overhead_pct.\(name)", value: (r.overhead - 1) * 100,
                                       unit: "% more time than C++ (target ≤ 10)"))
        }
        return figures
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
