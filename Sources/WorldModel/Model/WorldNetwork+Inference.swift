import Foundation
import Tensor

/// Inference on plain arrays for `TrainedModel` (no graph is recorded; frames go through in chunks so
/// memory stays bounded for long evaluations).
extension WorldNetwork {
    static let chunk = 256

    private func rows(_ values: [Float], width: Int, what: String) throws -> Int {
        guard width > 0, values.count % width == 0 else {
            throw TensorError.shapeMismatch(op: "TrainedModel.\(what)", lhs: [values.count], rhs: [-1, width])
        }
        return values.count / width
    }

    func encode(frames: [UInt8], info: ModelInfo) throws -> [Float] {
        let fb = info.height * info.width * info.channels
        guard frames.count % fb == 0 else {
            throw TensorError.shapeMismatch(op: "TrainedModel.encode (frames [B,H,W,C])", lhs: [frames.count], rhs: [-1, info.height, info.width, info.channels])
        }
        let count = frames.count / fb
        var out = [Float](); out.reserveCapacity(count * latentDimension)
        try Tensor.noGrad {
            try frames.withUnsafeBufferPointer { all in
                var s = 0
                while s < count {
                    let n = min(Self.chunk, count - s)
                    let part = UnsafeBufferPointer(rebasing: all[(s * fb)..<((s + n) * fb)])
                    out += try encode(input(frames: part, count: n)).scalars
                    s += n
                }
            }
        }
        return out
    }

    /// `currentIsPredicted`: `current` is itself a prediction (a rollout's later steps).
    func predict(previous: [Float], current: [Float], actions: [Float], currentIsPredicted: Bool = false, info: ModelInfo) throws -> [Float] {
        let d = latentDimension
        let m = try rows(current, width: d, what: "predict")
        guard previous.count == current.count else {
            throw TensorError.shapeMismatch(op: "TrainedModel.predict (previous vs current)", lhs: [previous.count], rhs: [current.count])
        }
        return try Tensor.noGrad {
            try predict(previous: Tensor(previous, shape: [m, d]), current: Tensor(current, shape: [m, d]),
                        actions: actionTensor(actions, count: m), fromPredicted: currentIsPredicted).scalars
        }
    }

    func rollout(previous: [Float], current: [Float], actions: [Float], steps: Int, info: ModelInfo) throws -> [Float] {
        let d = latentDimension, a = info.actionDimension
        let m = try rows(current, width: d, what: "rollout")
        guard steps >= 1, previous.count == current.count, actions.count == m * steps * a else {
            throw TensorError.invalidArgument(op: "TrainedModel.rollout", message: "needs steps ≥ 1, previous and current [B, D], actions [B, steps, A] = \(m * steps * a) values; got steps \(steps), \(previous.count), \(current.count), \(actions.count)")
        }
        var out = [Float](repeating: 0, count: m * steps * d)
        try Tensor.noGrad {
            var p = try Tensor(previous, shape: [m, d]), c = try Tensor(current, shape: [m, d])
            for j in 0..<steps {
                var act = [Float](); act.reserveCapacity(m * a)
                for i in 0..<m { act += actions[((i * steps + j) * a)..<((i * steps + j) * a + a)] }
                let next = try predict(previous: p, current: c, actions: actionTensor(act, count: m), fromPredicted: j > 0)
                next.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<m { (dst.baseAddress! + (i * steps + j) * d).update(from: src.baseAddress! + i * d, count: d) }
                    }
                }
                p = c; c = next
            }
        }
        return out
    }

    func probePositions(latents: [Float], info: ModelInfo) throws -> [Float] {
        let d = latentDimension, n = info.bodies
        let m = try rows(latents, width: d, what: "probePositions")
        var out = try Tensor.noGrad { try probePositionsNormalised(Tensor(latents, shape: [m, d]), readout: true).scalars }
        for i in 0..<(m * n) {
            out[2 * i] = out[2 * i] * info.stateStd[0] + info.stateMean[0]
            out[2 * i + 1] = out[2 * i + 1] * info.stateStd[1] + info.stateMean[1]
        }
        return out
    }

    func probeStates(previous: [Float], current: [Float], info: ModelInfo) throws -> [Float] {
        let d = latentDimension, n = info.bodies
        let m = try rows(current, width: d, what: "probeStates")
        guard previous.count == current.count else {
            throw TensorError.shapeMismatch(op: "TrainedModel.probeStates (previous vs current)", lhs: [previous.count], rhs: [current.count])
        }
        let positions = try probePositions(latents: current, info: info)
        let velocities = try Tensor.noGrad {
            try probeVelocitiesNormalised(previous: Tensor(previous, shape: [m, d]), current: Tensor(current, shape: [m, d]), readout: true).scalars
        }
        var out = [Float](repeating: 0, count: m * n * 4)
        for i in 0..<(m * n) {
            out[4 * i] = positions[2 * i]
            out[4 * i + 1] = positions[2 * i + 1]
            out[4 * i + 2] = velocities[2 * i] * info.stateStd[2] + info.stateMean[2]
            out[4 * i + 3] = velocities[2 * i + 1] * info.stateStd[3] + info.stateMean[3]
        }
        return out
    }

    func decode(latents: [Float], info: ModelInfo) throws -> [UInt8] {
        let d = latentDimension
        let m = try rows(latents, width: d, what: "decode")
        var out = [UInt8](); out.reserveCapacity(m * info.height * info.width * info.channels)
        try Tensor.noGrad {
            var s = 0
            while s < m {
                let n = min(Self.chunk, m - s)
                let px = try decodePixels(Tensor(Array(latents[(s * d)..<((s + n) * d)]), shape: [n, d]))
                px.withUnsafeBufferPointer { p in
                    for v in p { out.append(UInt8(max(0, min(255, (v * 255).rounded())))) }
                }
                s += n
            }
        }
        return out
    }
}
