import Tensor

/// `model.predictor.edges: repulsive`: edges that can push two maps apart but never pull one after the other.
extension ObjectsPredictor {
    /// Width (cells) of the Gaussian by which a push fades with the distance between centroids.
    static let repulsionWidth: Float = 3
    /// Sharpness k of the push's softplus: at s = 0 it gives ln 2 / k ≈ 0.035 cells per step, so an untrained edge
    /// hardly moves a map, with slope ½.
    static let repulsionSharpness: Float = 20
    /// Width of the repulsive edge MLP: it runs on every pair (C² per sample, 576 for 24 maps), and a push's size from a
    /// dozen invariant features needs far fewer units than the node MLP.
    static let repulsionHidden = 16

    /// Per map, what does not change when the world turns: mass, size, speed (+ the action's strength).
    static func endFeatureCount(actions a: Int) -> Int { 3 + (a > 0 ? 1 : 0) }
    /// Per pair: distance, closing speed, sideways speed (+ for planar forces: the sender's force towards the receiver
    /// and sideways, the receiver's force towards the sender).
    static func relativeFeatureCount(actions a: Int) -> Int { 3 + (a == 2 ? 3 : 0) }

    /// The push every other map j gives map i, summed over j, [M, C, 2] in cells per step: along the unit vector from
    /// j's centroid to i's, of size softplus(k·s)/k · mass_j · exp(−d²/2w²), with s the edge MLP (edge.source of i, edge.target
    /// of j, edge.relative of the pair, then edge.1 and edge.size). The size is never negative, so i can only be pushed
    /// away from j: a map that moves away from another cannot drag it along, whatever the training data correlated. And
    /// the MLP reads only what does not turn with the world (speeds, distances, components along and across the line
    /// between the two), so a push learned in the directions the training data pushed in works in every other.
    func pushes(centroid: Tensor, mass: Tensor, variance: Tensor, velocity: Tensor, actions: Tensor?, scale: Float) throws -> Tensor {
        guard let repulsion, let others else {
            throw TensorError.invalidArgument(op: "ObjectsPredictor.pushes", message: "model.predictor.edges is not repulsive")
        }
        let length = { (v: Tensor, axis: Int) throws -> Tensor in try (v.square().sum(axes: [axis], keepDims: true) + Float(1e-6)).sqrt() }
        let size = try (variance.sum(axes: [2], keepDims: true).relu() + Float(0.01)).sqrt() * 0.5
        var ends = [mass, size, try length(velocity, 2) * 2]
        let force = try actions.map { $0.shape[2] == 2 ? try Self.inMapAxes($0) : $0 }
        if let force { ends.append(try length(force, 2)) }
        let end = try Tensor.concat(ends, axis: 2)                                              // [M, C, E]
        if !Autograd.isEnabled {
            return try Tensor.repulsivePushes(source: edgeSource(end), target: edgeTarget(end), relative: repulsion.relative.weight,
                                              hidden: edge1.weight, hiddenBias: edge1.bias!, size: repulsion.size.weight,
                                              sizeBias: repulsion.size.bias!, centroid: centroid, velocity: velocity,
                                              forces: force?.shape[2] == 2 ? force : nil, mass: mass, scale: scale,
                                              sharpness: Self.repulsionSharpness, width: Self.repulsionWidth)
        }

        let offset = try centroid.unsqueezed(1) - centroid.unsqueezed(2)                        // [M, C(i), C(j), 2]: c_j − c_i
        let d2 = try offset.square().sum(axes: [3], keepDims: true)                             // [M, C, C, 1]
        let distance = try (d2 + Float(1e-4)).sqrt()
        let away = try offset / distance * Float(-1)                                            // unit, from j towards i
        let across = try Tensor.concat([away.slice(axis: 3, 1..<2) * Float(-1), away.slice(axis: 3, 0..<1)], axis: 3)
        let along = { (v: Tensor, unit: Tensor) throws -> Tensor in try (v * unit).sum(axes: [3], keepDims: true) }
        let closing = try velocity.unsqueezed(1) - velocity.unsqueezed(2)                       // v_j − v_i
        var relative = [try distance * scale, try along(closing, away) * 2, try along(closing, across).abs() * 2]
        if let force, force.shape[2] == 2 {
            let sender = try force.unsqueezed(1), receiver = try force.unsqueezed(2)
            relative += [try along(sender, away), try along(sender, across).abs(), try along(receiver, away) * Float(-1)]
        }
        let hidden = try (edgeSource(end).unsqueezed(2) + edgeTarget(end).unsqueezed(1)
                          + repulsion.relative(Tensor.concat(relative, axis: 3))).relu()       // [M, C, C, H]
        // A sharp softplus, softplus(k·s)/k: like a relu it is steep where the push starts (so the edges learn from the
        // small gradients a latent of normalised maps gives), but a push that turns negative for every pair early in
        // training still has a gradient to come back by.
        let s = try repulsion.size(edge1(hidden))                                                // [M, C, C, 1]
        let k = Self.repulsionSharpness
        let strength = try s.relu() + ((s.abs() * -k).exp() + Float(1)).log() * (1 / k)
        // `others` leaves a map's push on itself out of the gradient too (its `away` is 0, but not its slope).
        let reach = try (d2 * (-1 / (2 * Self.repulsionWidth * Self.repulsionWidth))).exp() * mass.unsqueezed(1) * others
        return try (strength * reach * away).sum(axes: [2])
    }
}
