import Common
import Foundation
import Tensor

/// The final linear read-out: when a run ends, the encoder is frozen and a linear probe is fitted
/// (into the `readout.*` tensors; the online `probe.*` is left as training had it) on fresh clips, so the shipped probe matches the final encoder instead of lagging
/// behind latents that moved during training: ridge regression solved by conjugate gradients.
/// Gradients never reach the encoder (its latents are computed without a graph).
///
/// The fit depends only on the network and on batches drawn at fixed batch indices after the last
/// step (with a copy of the data generator), so it is reproduced exactly when a run is resumed.
enum ReadoutFit {
    struct Result { var positionR2: Double; var velocityR2: Double; var angleR2: Double = .nan; var batches: Int }

    static func run(network: WorldNetwork, source: ClipSampler, config: TrainingConfig, firstBatch: Int,
                    dataRNG: SplitMix64) throws -> Result {
        let batches = config.probeRefitBatches
        guard batches > 0 else { return Result(positionR2: .nan, velocityR2: .nan, batches: 0) }
        let b = config.batchClips, t = config.clipLength, d = network.latentDimension, n = network.info.bodies
        var rng = dataRNG
        var latents = [Float](), positions = [Float](), velocities = [Float](), pairs = [Float](), angles = [Float]()
        var present = [Bool](), presentPairs = [Bool]()
        try Tensor.noGrad {
            for i in 0..<batches {
                let batch = try source.batch(clips: b, length: t, batchIndex: firstBatch + i, rng: &rng)
                let z = try batch.frames.withUnsafeBufferPointer { try network.encode(network.input(frames: $0, count: b * t)) }.scalars
                let (p, v) = Objective.normalisedStates(batch: batch, info: network.info)
                latents += z; positions += p.scalars; velocities += v.scalars
                if network.heads.readoutAngle != nil { angles += angleTargets(batch: batch, info: network.info) }
                present += batch.coordinatePresence(framesPerClip: t)
                presentPairs += batch.coordinatePresence(framesPerClip: t - 1)
                for c in 0..<b { for f in 1..<t {
                    let prev = (c * t + f - 1) * d, cur = (c * t + f) * d
                    pairs += z[prev..<(prev + d)]; pairs += z[cur..<(cur + d)]
                } }
            }
        }
        let pos = try fit(inputs: latents, width: d, targets: positions, outputs: 2 * n, present: present,
                          l2: config.probeRefitL2, iterations: config.probeRefitIterations,
                          weight: network.heads.readoutPosition.weight, bias: network.heads.readoutPosition.bias!)
        try deriveVelocity(network: network)
        let vel = try heldOutR2(inputs: pairs, width: 2 * d, targets: velocities, outputs: 2 * n, from: pairs.count / (2 * d) - max(1, pairs.count / (2 * d) / 10),
                                present: presentPairs, weight: network.heads.readoutVelocity.weight, bias: network.heads.readoutVelocity.bias!)
        var angle = Double.nan
        if let readout = network.heads.readoutAngle {
            let features = network.heads.angleFeatures(latents, rows: latents.count / d)
            angle = try fit(inputs: features, width: readout.weight.shape[1], targets: angles, outputs: 2 * n, present: present,
                            l2: config.probeAngleL2, iterations: config.probeAngleIterations, standardise: config.probeAngleStandardise,
                            weight: readout.weight, bias: readout.bias!)
        }
        return Result(positionR2: pos, velocityR2: vel, angleR2: angle, batches: batches)
    }

    /// The angle read-out's targets [B·T, 2N]: (cos sθ, sin sθ) of every body whose orientation shows, 0 for the rest.
    static func angleTargets(batch: EpisodeBatch, info: ModelInfo) -> [Float] {
        let rows = batch.episodes * batch.layout.steps, n = info.bodies, symmetry = info.data.orientationSymmetry
        var out = [Float](repeating: 0, count: rows * 2 * n)
        for r in 0..<rows { for i in 0..<n where symmetry[i] > 0 {
            let angle = batch.states[(r * n + i) * 6 + 2] * Float(symmetry[i])
            out[(r * n + i) * 2] = cosf(angle); out[(r * n + i) * 2 + 1] = sinf(angle)
        } }
        return out
    }

    /// The velocity read-out as the finite difference of the position read-out over one observation
    /// interval — still linear in (z(t−1), z(t)), and far better conditioned than fitting 2D inputs:
    /// v̂ = (P z(t) − P z(t−1)) · hz, in the normalised units of the velocity targets.
    static func deriveVelocity(network: WorldNetwork) throws {
        let info = network.info, d = network.latentDimension, n = info.bodies
        let w = network.heads.readoutPosition.weight.scalars
        var wv = [Float](repeating: 0, count: 2 * n * 2 * d), bv = [Float](repeating: 0, count: 2 * n)
        for o in 0..<(2 * n) {
            let axis = o % 2
            let k = info.stateStd[axis] * Float(info.observationHz) / info.stateStd[2 + axis]
            for j in 0..<d {
                wv[o * 2 * d + j] = -k * w[o * d + j]
                wv[o * 2 * d + d + j] = k * w[o * d + j]
            }
            bv[o] = -info.stateMean[2 + axis] / info.stateStd[2 + axis]
        }
        try network.heads.readoutVelocity.weight.assign(Tensor(wv, shape: [2 * n, 2 * d]))
        try network.heads.readoutVelocity.bias!.assign(Tensor(bv, shape: [2 * n]))
    }

    /// R² of a linear map on rows `from...` (held out).
    /// `present` [rows, outputs], when given, leaves out the targets of absent bodies (as `tumble eval` does).
    static func heldOutR2(inputs: [Float], width: Int, targets: [Float], outputs: Int, from train: Int, present: [Bool]? = nil,
                          weight: Tensor, bias: Tensor) throws -> Double {
        let rows = inputs.count / width
        let heldRows = rows - train
        guard heldRows > 0 else { return .nan }
        let xh = try Tensor(Array(inputs[(train * width)...]), shape: [heldRows, width])
        let pred = try Tensor.noGrad { try Tensor.linear(xh, weight: weight, bias: bias).scalars }
        func counts(_ r: Int, _ o: Int) -> Bool { present?[(train + r) * outputs + o] ?? true }
        var ssRes = 0.0, ssTot = 0.0
        var colMean = [Double](repeating: 0, count: outputs), colCount = [Double](repeating: 0, count: outputs)
        for r in 0..<heldRows { for o in 0..<outputs where counts(r, o) {
            colMean[o] += Double(targets[(train + r) * outputs + o]); colCount[o] += 1
        } }
        for o in 0..<outputs { colMean[o] /= max(colCount[o], 1) }
        for r in 0..<heldRows { for o in 0..<outputs where counts(r, o) {
            let truth = Double(targets[(train + r) * outputs + o]), p = Double(pred[r * outputs + o])
            ssRes += (truth - p) * (truth - p)
            ssTot += (truth - colMean[o]) * (truth - colMean[o])
        } }
        return ssTot > 0 ? 1 - ssRes / ssTot : .nan
    }

    /// Ridge regression of `targets` on `inputs` (rows of `width`), solved by conjugate gradients on
    /// the normal equations (Xᵀ X / S + λ I) W = Xᵀ Y / S for all outputs at once, λ = l2 × the mean
    /// input variance. Writes `weight` [outputs, width] and `bias` in place; returns the R² on the last
    /// tenth of the rows, held out from the fit. (The position read-out is not standardised: a spatial latent has
    /// units that are almost never active, and scaling those up turns them into noise. The angle read-out's features
    /// can be, `standardise`: they are few, and their scales differ by orders of magnitude.)
    /// `present` [rows, outputs]: which targets exist; when some do not (bodies absent from an episode), `maskedFit`.
    static func fit(inputs: [Float], width: Int, targets: [Float], outputs: Int, present: [Bool]? = nil, l2: Double, iterations: Int,
                    standardise: Bool = false, weight: Tensor, bias: Tensor) throws -> Double {
        if let present, present.contains(false) {
            return try maskedFit(inputs: inputs, width: width, targets: targets, outputs: outputs, present: present, l2: l2,
                                 iterations: iterations, standardise: standardise, weight: weight, bias: bias)
        }
        let rows = inputs.count / width
        let train = rows - max(1, rows / 10)
        let (mean, centred, variance, scale) = centre(inputs, width: width, rows: train, standardise: standardise)
        var ymean = [Float](repeating: 0, count: outputs)
        for r in 0..<train { for o in 0..<outputs { ymean[o] += targets[r * outputs + o] } }
        for o in 0..<outputs { ymean[o] /= Float(train) }
        var yc = [Float](repeating: 0, count: train * outputs)
        for r in 0..<train { for o in 0..<outputs { yc[r * outputs + o] = targets[r * outputs + o] - ymean[o] } }
        let lambda = Float(l2 * max(variance, 1e-12))
        let solution: [Float] = try Tensor.noGrad {
            let x = try Tensor(centred, shape: [train, width])
            let xt = try x.transposed()
            let invS = 1 / Float(train)
            let rhs = try xt.matmul(Tensor(yc, shape: [train, outputs])) * invS
            let w = try conjugateGradients(rhs: [rhs], iterations: iterations) { v in
                [try xt.matmul(x.matmul(v[0])) * invS + v[0] * lambda]
            }
            return try w[0].transposed().scalars
        }
        try store(solution, intercepts: ymean, mean: mean, scale: scale, into: weight, bias)
        return try heldOutR2(inputs: inputs, width: width, targets: targets, outputs: outputs, from: train, weight: weight, bias: bias)
    }

    /// `fit` on the targets that exist only. An absent body's state is a placeholder (the origin), and fitting it
    /// too would ask each output for the origin whenever its map is empty and for the body's place otherwise: a
    /// large offset the ridge shrinks, so the read-out of a body that is often absent (billiards' last balls) is
    /// pulled towards the corner (R² far below 0). Here each output o minimises, over the rows r that have it,
    /// Σ (x_r·w_o + β_o − y_ro)² / S_o + λ ‖w_o‖², its bias β_o unpenalised, by the same column-wise conjugate
    /// gradients; x is centred by the mean of all training rows, as in `fit`.
    static func maskedFit(inputs: [Float], width: Int, targets: [Float], outputs: Int, present: [Bool], l2: Double, iterations: Int,
                          standardise: Bool = false, weight: Tensor, bias: Tensor) throws -> Double {
        let rows = inputs.count / width
        let train = rows - max(1, rows / 10)
        let (mean, centred, variance, scale) = centre(inputs, width: width, rows: train, standardise: standardise)
        // Row weights 1/S_o where the target exists, 0 where it does not.
        var counts = [Float](repeating: 0, count: outputs)
        for r in 0..<train { for o in 0..<outputs where present[r * outputs + o] { counts[o] += 1 } }
        var rowWeight = [Float](repeating: 0, count: train * outputs), weighted = [Float](repeating: 0, count: train * outputs)
        for r in 0..<train { for o in 0..<outputs where present[r * outputs + o] {
            rowWeight[r * outputs + o] = 1 / counts[o]
            weighted[r * outputs + o] = targets[r * outputs + o] / counts[o]
        } }
        let lambda = Float(l2 * max(variance, 1e-12))
        let (w, beta): ([Float], [Float]) = try Tensor.noGrad {
            let x = try Tensor(centred, shape: [train, width]), xt = try x.transposed()
            let m = try Tensor(rowWeight, shape: [train, outputs]), ones = Tensor.ones([1, train])
            let y = try Tensor(weighted, shape: [train, outputs])
            // The normal equations' operator on (W [width, outputs], β [1, outputs]).
            let vb = try conjugateGradients(rhs: [xt.matmul(y), ones.matmul(y)], iterations: iterations) { v in
                let r = try (x.matmul(v[0]) + v[1]) * m
                return [try xt.matmul(r) + v[0] * lambda, try ones.matmul(r)]
            }
            return (try vb[0].transposed().scalars, vb[1].scalars)
        }
        try store(w, intercepts: beta, mean: mean, scale: scale, into: weight, bias)
        return try heldOutR2(inputs: inputs, width: width, targets: targets, outputs: outputs, from: train, present: present,
                             weight: weight, bias: bias)
    }

    /// Column-wise conjugate gradients from zero for A x = rhs, A symmetric positive definite, x split into blocks of
    /// [rows, outputs] tensors (the weights, and for `maskedFit` the biases): each output column is its own problem with
    /// its own step sizes, stopped when every column's residual has fallen by 1e-10 or after `iterations` steps.
    static func conjugateGradients(rhs: [Tensor], iterations: Int, apply: ([Tensor]) throws -> [Tensor]) throws -> [Tensor] {
        let outputs = rhs[0].shape[1]
        func columnDots(_ a: [Tensor], _ b: [Tensor]) -> [Double] {
            var out = [Double](repeating: 0, count: outputs)
            for (p, q) in zip(a, b) {
                p.withUnsafeBufferPointer { ap in q.withUnsafeBufferPointer { bp in
                    for i in 0..<p.shape[0] { for o in 0..<outputs { out[o] += Double(ap[i * outputs + o]) * Double(bp[i * outputs + o]) } }
                } }
            }
            return out
        }
        var x = rhs.map { Tensor.zeros($0.shape) }, r = rhs, p = rhs.map { $0.copy() }
        var rr = columnDots(r, r)
        let start = rr
        for _ in 0..<iterations {
            if zip(rr, start).allSatisfy({ $0 <= 1e-10 * max($1, 1e-30) }) { break }
            let ap = try apply(p)
            let pap = columnDots(p, ap)
            let alpha = try Tensor((0..<outputs).map { pap[$0] > 0 ? Float(rr[$0] / pap[$0]) : 0 }, shape: [1, outputs])
            x = try zip(x, p).map { try $0 + $1 * alpha }
            r = try zip(r, ap).map { try $0 - $1 * alpha }
            let rrNew = columnDots(r, r)
            let beta = try Tensor((0..<outputs).map { rr[$0] > 0 ? Float(rrNew[$0] / rr[$0]) : 0 }, shape: [1, outputs])
            p = try zip(r, p).map { try $0 + $1 * beta }
            rr = rrNew
        }
        return x
    }

    /// The first `rows` rows of `inputs` centred by their mean, with that mean and the mean squared centred value.
    /// `standardise`: each column also divided by its standard deviation (floored at 1e-6 of the largest, so a column
    /// that never varies stays near zero instead of becoming noise); `scale` holds those divisors (nil: none).
    static func centre(_ inputs: [Float], width: Int, rows: Int, standardise: Bool = false)
        -> (mean: [Float], centred: [Float], variance: Double, scale: [Float]?) {
        var mean = [Float](repeating: 0, count: width)
        for r in 0..<rows { for j in 0..<width { mean[j] += inputs[r * width + j] } }
        for j in 0..<width { mean[j] /= Float(rows) }
        var centred = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows { for j in 0..<width { centred[r * width + j] = inputs[r * width + j] - mean[j] } }
        var scale: [Float]? = nil
        if standardise {
            var sd = [Double](repeating: 0, count: width)
            for r in 0..<rows { for j in 0..<width { let v = Double(centred[r * width + j]); sd[j] += v * v } }
            for j in 0..<width { sd[j] = (sd[j] / Double(rows)).squareRoot() }
            let floor = 1e-6 * (sd.max() ?? 0)
            let s = sd.map { Float(max($0, floor, 1e-30)) }
            for r in 0..<rows { for j in 0..<width { centred[r * width + j] /= s[j] } }
            scale = s
        }
        var variance = 0.0
        for v in centred { variance += Double(v * v) }
        return (mean, centred, variance / Double(rows * width), scale)
    }

    /// Writes a fit on centred (and, with `scale`, standardised) inputs as a map on raw ones: weight = `solution`
    /// [outputs, width] ÷ scale, and bias = intercept − weight·mean.
    static func store(_ solution: [Float], intercepts: [Float], mean: [Float], scale: [Float]? = nil, into weight: Tensor, _ bias: Tensor) throws {
        let width = mean.count
        var w = solution
        if let scale { for o in 0..<(w.count / width) { for j in 0..<width { w[o * width + j] /= scale[j] } } }
        var fb = intercepts
        for o in fb.indices { var s: Float = 0; for j in 0..<width { s += w[o * width + j] * mean[j] }; fb[o] -= s }
        try weight.assign(Tensor(w, shape: [fb.count, width]))
        try bias.assign(Tensor(fb, shape: [fb.count]))
    }
}
