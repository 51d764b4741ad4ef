/// Per-dimension mean and variance of latent rows (Welford, Double).
struct MomentAccumulator {
    private(set) var count = 0
    private var mean: [Double]
    private var m2: [Double]

    init(dimension: Int) {
        mean = .init(repeating: 0, count: dimension)
        m2 = .init(repeating: 0, count: dimension)
    }

    mutating func add(rows: UnsafeBufferPointer<Float>, count rowCount: Int) {
        let d = mean.count
        for r in 0..<rowCount {
            count += 1
            let inv = 1 / Double(count)
            for j in 0..<d {
                let x = Double(rows[r * d + j])
                let delta = x - mean[j]
                mean[j] += delta * inv
                m2[j] += delta * (x - mean[j])
            }
        }
    }

    /// Population standard deviation of each dimension.
    var standardDeviations: [Double] {
        count < 1 ? [] : m2.map { ($0 / Double(count)).squareRoot() }
    }
}
