import Tensor

/// The objects predictor: every latent channel is treated as one object's map.
///
/// From z(t-1) and z(t) it reads each channel's mass, centroid, velocity and spread (all linear or
/// near-linear in the maps), lets an interaction network (C-SWM style: node MLP, pairwise edge MLP
/// summed over the other channels) predict a correction to constant velocity, and moves the channel's
/// map z(t) by the resulting displacement with `Tensor.translate`. Shape and mass are kept by
/// construction, so the network only learns where each object goes: walls and collisions.
extension WorldNetwork {
    /// Per-channel features: mass, centroid, velocity, spread (+ action) = 7 + A.
    static func objectFeatureCount(actions a: Int) -> Int { 7 + a }

    /// Adds the objects predictor's parameters (`width` = hidden size of every MLP layer).
    static func addObjectPredictor(to set: ParameterSet, features f: Int, width h: Int, rng: inout RNG) {
        set.add("predictor.node.0.weight", Init.uniform([h, f], fanIn: f, rng: &rng))
        set.add("predictor.node.0.bias", Tensor.zeros([h]))
        set.add("predictor.edge.source.weight", Init.uniform([h, f], fanIn: 2 * f, rng: &rng))
        set.add("predictor.edge.source.bias", Tensor.zeros([h]))
        set.add("predictor.edge.target.weight", Init.uniform([h, f], fanIn: 2 * f, rng: &rng))
        set.add("predictor.edge.1.weight", Init.uniform([h, h], fanIn: h, rng: &rng))
        set.add("predictor.edge.1.bias", Tensor.zeros([h]))
        set.add("predictor.node.1.weight", Init.uniform([h, 2 * h], fanIn: 2 * h, rng: &rng))
        set.add("predictor.node.1.bias", Tensor.zeros([h]))
        set.add("predictor.out.weight", Init.uniform([2, h], fanIn: h, scale: 0.1, rng: &rng))
        set.add("predictor.out.bias", Tensor.zeros([2]))
    }

    /// Constant [h·w, 5] basis (1, x, y, x², y²) in cell units (x along a row, y down the rows).
    static func momentBasis(height: Int, width: Int) -> Tensor {
        var v = [Float](); v.reserveCapacity(height * width * 5)
        for y in 0..<height { for x in 0..<width {
            let fx = Float(x), fy = Float(y)
            v += [1, fx, fy, fx * fx, fy * fy]
        } }
        return try! Tensor(v, shape: [height * width, 5])
    }

    /// Mass [M, C, 1], centroid [M, C, 2] (cells, (x, y)) and variance [M, C, 2] of every channel's map.
    func objectMoments(_ z: Tensor) throws -> (mass: Tensor, centroid: Tensor, variance: Tensor) {
        let m = z.shape[0], p = mapHeight * mapWidth, c = mapChannels
        let moments = try z.reshaped([m, p, c]).permuted([0, 2, 1]).matmul(objectBasis!)     // [M, C, 5]
        let mass = try moments.slice(axis: 2, 0..<1)
        // A small floor keeps empty channels (mass ≈ 0) finite; a ball's mass is ≈ 1, biased by 1 %.
        let denominator = try mass + Float(0.01)
        let centroid = try moments.slice(axis: 2, 1..<3) / denominator
        let variance = try moments.slice(axis: 2, 3..<5) / denominator - centroid.square()
        return (mass, centroid, variance)
    }

    /// ẑ(t+1): every channel of z(t) moved by constant velocity + the interaction network's correction.
    func predictObjects(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        let m = current.shape[0], c = mapChannels
        let now = try objectMoments(current), before = try objectMoments(previous)
        let velocity = try now.centroid - before.centroid                                      // cells / step
        let centre = try Tensor([Float(mapWidth - 1) / 2, Float(mapHeight - 1) / 2], shape: [2])
        let scale = 2 / Float(max(mapWidth, mapHeight))
        var parts = [now.mass, try (now.centroid - centre) * scale, try velocity * 2,
                     try (now.variance.relu() + Float(0.01)).sqrt() * 0.5]
        if let actions { parts.append(try actions.unsqueezed(1).expand(to: [m, c, actions.shape[1]])) }
        let features = try Tensor.concat(parts, axis: 2)                                       // [M, C, F]

        func linear(_ x: Tensor, _ name: String, bias: Bool = true, relu: Bool) throws -> Tensor {
            try Tensor.linear(x, weight: online[name + ".weight"], bias: bias ? online[name + ".bias"] : nil,
                              activation: relu ? .relu : .identity)
        }
        let node = try linear(features, "predictor.node.0", relu: true)                        // [M, C, H]
        // Edge i←j: relu(U·f_i + V·f_j + b), a second layer, then the mean over j.
        let receiver = try linear(features, "predictor.edge.source", relu: false).unsqueezed(2)  // [M, C, 1, H]
        let sender = try linear(features, "predictor.edge.target", bias: false, relu: false).unsqueezed(1)
        let edges = try linear((receiver + sender).relu(), "predictor.edge.1", relu: true)    // [M, C, C, H]
        let messages = try edges.sum(axes: [2]) * (1 / Float(c))
        let hidden = try linear(Tensor.concat([node, messages], axis: 2), "predictor.node.1", relu: true)
        let correction = try linear(hidden, "predictor.out", relu: false)                      // [M, C, 2]
        let maps = try current.reshaped([m, mapHeight, mapWidth, c])
        return try Tensor.translate(maps, by: velocity + correction).reshaped([m, latentDimension])
    }
}
