import Tensor

/// `model.predictor.kind: objects`: every latent channel is treated as one object's map.
///
/// From z(t-1) and z(t) it reads each channel's mass, centroid, velocity and spread (all linear or
/// near-linear in the maps), lets an interaction network (C-SWM style: node MLP, pairwise edge MLP
/// averaged over the other channels) predict a correction to constant velocity, and moves the channel's
/// map z(t) by the resulting displacement with `Tensor.translate`. Shape and mass are kept by
/// construction, so the network only learns where each object goes: walls and collisions. With
/// `model.predictor.turning` each map is also turned about its centroid (`Tensor.warp`) by the turn its
/// orientation made over the last step plus a learned correction: constant angular velocity, as the
/// translation is constant velocity. With `model.predictor.edges: repulsive` the edges send no free messages but a
/// push along the line between two maps that is never negative (`pushes`): bodies push, never pull. With
/// `model.predictor.mixing` the moved maps are then mixed across channels by a learned matrix, so a mask that holds
/// the flickering rims of several bodies is rebuilt from those bodies' maps.
final class ObjectsPredictor: Predictor {
    let node0: Linear, edgeSource: Linear, edgeTarget: Linear, edge1: Linear, node1: Linear, out: Linear
    let shape: LatentShape
    let moments: MapMoments
    /// `model.predictor.contacts`: the layer that reads each map's near neighbours (else nil), and the [1, C, C, 1]
    /// mask that leaves each map out of its own neighbourhood.
    let contact: Linear?
    let others: Tensor?
    /// `model.predictor.edges: repulsive`: the layer that reads each pair's distance, speeds and forces along and across
    /// the line between them, and the one that gives the push's size (else nil); edge.source, edge.target and edge.1
    /// are the rest of that pair MLP.
    let repulsion: (relative: Linear, size: Linear)?
    /// Widths (cells) of the Gaussian neighbourhoods the contact features are summed over.
    static let contactWidths: [Float] = [1.5, 3]

    /// `model.predictor.action_maps: actor`: which maps are given the action, [1, C, 1], fixed (no gradient): one-hot
    /// once `ActionMapChoice` has chosen, all ones before (else nil).
    let actionMap: Tensor?
    /// `model.predictor.turning`: maps are turned as well as moved, and the network reads each map's orientation.
    let turning: Bool
    /// `model.predictor.resampling` and `rollout_resampling`: how a map is sampled when it is moved, in the training
    /// loss and one-step predictions, and when the map moved is itself a prediction outside training.
    let resampling: TranslateKernel, rolloutResampling: TranslateKernel
    /// `model.predictor.mixing`: V [C, C], zero at the start (else nil), of ẑ = T(z)·(I + W) with W = `mixScale`·V, each
    /// map then scaled back to the mass it had.
    let mix: Tensor?
    /// Why V is scaled: one optimiser step moves every entry by about the learning rate whatever its gradient, and an
    /// entry of W adds a whole map to another; unscaled, W turned into noise that swamped the prediction.
    static let mixScale: Float = 0.25
    /// `model.predictor.mixing_spread` (cells²), and the width of the gate's step around it.
    let mixSpread: Float
    static let mixGateWidth: Float = 0.1

    /// Contact features per map: per width, weight 1 + offset 2 + velocity and action 2 + A + velocity push 2, and an
    /// action push 2 for planar force actions (A = 2).
    static func contactFeatureCount(actions a: Int) -> Int { contactWidths.count * (7 + a + (a == 2 ? 2 : 0)) }

    /// Chooses the one map the action reaches (`model.predictor.action_maps: actor`).
    func giveActions(toMap k: Int) {
        guard let actionMap else { return }
        var v = [Float](repeating: 0, count: shape.channels)
        v[k] = 1
        actionMap.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = v[i] } }
    }

    /// A planar force [..., 2] in map axes: map rows run down the frame while a force's y runs up.
    static func inMapAxes(_ force: Tensor) throws -> Tensor { try force * Tensor([1, -1], shape: [2]) }

    /// Per-channel features: mass, centroid, velocity, spread (+ action) (+ orientation and turn) = 7 + A (+ 3).
    static func featureCount(actions a: Int, turning: Bool) -> Int { 7 + a + (turning ? 3 : 0) }

    init(config: TrainingConfig, shape: LatentShape, rng: inout RNG) {
        self.shape = shape
        turning = config.predictorTurning
        resampling = config.predictorResampling
        rolloutResampling = config.predictorRolloutResampling
        let f = Self.featureCount(actions: shape.actions, turning: turning), h = config.predictorChannels
        // Repulsive edges read what does not turn with the world (`endFeatureCount`), free edges every feature; and
        // repulsive edges, evaluated per pair rather than summed, are narrower (`repulsionHidden`).
        let e = config.predictorRepulsive ? Self.endFeatureCount(actions: shape.actions) : f
        let k = config.predictorRepulsive ? Self.repulsionHidden : h
        let zeroBias = LayerInit(constantBias: 0), pair = LayerInit(constantBias: 0, fanIn: 2 * e)
        node0 = Linear(f, h, activation: .relu, initialise: zeroBias, rng: &rng)
        edgeSource = Linear(e, k, initialise: pair, rng: &rng)
        edgeTarget = Linear(e, k, bias: false, initialise: pair, rng: &rng)
        edge1 = Linear(k, k, activation: .relu, initialise: zeroBias, rng: &rng)
        let nodeInputs = (config.predictorRepulsive ? 1 : 2) + (config.predictorContacts ? 1 : 0)
        node1 = Linear(nodeInputs * h, h, activation: .relu, initialise: zeroBias, rng: &rng)
        out = Linear(h, turning ? 3 : 2, initialise: .residual(0.1), rng: &rng)
        moments = MapMoments(height: shape.height, width: shape.width, channels: shape.channels)
        actionMap = config.actionToActorMap && shape.actions > 0 ? Tensor.ones([1, shape.channels, 1]) : nil
        contact = config.predictorContacts
            ? Linear(Self.contactFeatureCount(actions: shape.actions), h, activation: .relu, initialise: zeroBias, rng: &rng) : nil
        let c = shape.channels
        mixSpread = Float(config.predictorMixingSpread)
        if config.predictorMixing {
            let w = Tensor.zeros([c, c])
            w.requiresGrad = true
            mix = w
        } else {
            mix = nil
        }
        others = config.predictorContacts || config.predictorRepulsive
            ? try! Tensor((0..<(c * c)).map { $0 / c == $0 % c ? 0 : 1 }, shape: [1, c, c, 1]) : nil
        repulsion = config.predictorRepulsive
            ? (Linear(Self.relativeFeatureCount(actions: shape.actions), k, bias: false, initialise: pair, rng: &rng),
               Linear(k, 1, initialise: zeroBias, rng: &rng)) : nil
    }

    var parameters: [(name: String, tensor: Tensor)] {
        prefixed("node.0", node0) + prefixed("edge.source", edgeSource) + prefixed("edge.target", edgeTarget)
            + prefixed("edge.1", edge1) + prefixed("node.1", node1) + prefixed("out", out)
            + (actionMap.map { [("action_map", $0)] } ?? []) + (contact.map { prefixed("contact", $0) } ?? [])
            + (mix.map { [("mix", $0)] } ?? [])
            + (repulsion.map { prefixed("edge.relative", $0.relative) + prefixed("edge.size", $0.size) } ?? [])
    }

    /// What is near each map, for `model.predictor.contacts`: over the other maps j, weighted by their mass and a
    /// Gaussian of the centroid distance (one sum per width in `contactWidths`), the summed weight, the offset to j,
    /// j's velocity and action, and the push of each: the part of j's velocity (action) that heads towards i, along
    /// the line from j to i, relu(−u·v) (−u) with u the unit offset — [M, C, `contactFeatureCount`]. Why: the edge MLP
    /// sums terms of i and of j, so it can hardly tell whether two maps touch, nor whether j moves into i or away;
    /// without the sums a push model let the block follow the pusher's action from across the world, and without the
    /// push terms it let a pusher pull the block after it.
    func contactFeatures(centroid: Tensor, mass: Tensor, velocity: Tensor, actions: Tensor?, scale: Float) throws -> Tensor {
        let m = centroid.shape[0], c = centroid.shape[1]
        let to = try centroid.unsqueezed(1).expand(to: [m, c, c, 2]), from = try centroid.unsqueezed(2).expand(to: [m, c, c, 2])
        let offset = try to - from                                                              // [M, C(i), C(j), 2]: c_j − c_i
        let d2 = try offset.square().sum(axes: [3], keepDims: true)                             // [M, C, C, 1]
        guard let others else { throw TensorError.invalidArgument(op: "ObjectsPredictor.contactFeatures", message: "model.predictor.contacts is off") }
        let weightOfJ = try mass.unsqueezed(1).expand(to: [m, c, c, 1]) * others                // mass_j, self left out
        var senders = [try velocity * 2]
        if let actions { senders.append(actions) }
        let fromJ = try Tensor.concat(senders, axis: 2).unsqueezed(1).expand(to: [m, c, c, 2 + (actions?.shape[2] ?? 0)])
        let unit = try offset / (d2 + Float(1e-4)).sqrt().expand(to: [m, c, c, 2])               // from i towards j
        // The push of j's velocity and of its action on i: the part heading towards i, along −u.
        var pushes: [Tensor] = []
        for part in 0..<(actions?.shape[2] == 2 ? 2 : 1) {
            let v = part == 0 ? try fromJ.slice(axis: 3, 0..<2) : try Self.inMapAxes(fromJ.slice(axis: 3, 2..<4))
            let towards = try (unit * v).sum(axes: [3], keepDims: true) * Float(-1)
            pushes.append(try towards.relu().expand(to: [m, c, c, 2]) * unit * Float(-1))
        }
        var out: [Tensor] = []
        for width in Self.contactWidths {
            let k = try (d2 * (-1 / (2 * width * width))).exp() * weightOfJ                     // [M, C, C, 1]
            out.append(try k.sum(axes: [2]))
            out.append(try (k * offset).sum(axes: [2]) * scale)
            out.append(try (k * fromJ).sum(axes: [2]))
            for push in pushes { out.append(try (k * push).sum(axes: [2])) }
        }
        return try Tensor.concat(out, axis: 2)
    }

    /// ẑ(t+1): every channel of z(t) moved by constant velocity + the interaction network's correction (and, with
    /// `turning`, turned by constant angular velocity + its correction).
    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        try predict(previous: previous, current: current, actions: actions, resampling: resampling)
    }

    func predictFromPredicted(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        try predict(previous: previous, current: current, actions: actions, resampling: rolloutResampling)
    }

    func predict(previous: Tensor, current: Tensor, actions: Tensor?, resampling: TranslateKernel) throws -> Tensor {
        let m = current.shape[0], c = shape.channels
        let now = try moments(current), before = try moments(previous)
        let velocity = try now.centroid - before.centroid                                      // cells / step
        let centre = try Tensor([Float(shape.width - 1) / 2, Float(shape.height - 1) / 2], shape: [2])
        let scale = 2 / Float(max(shape.width, shape.height))
        var parts = [now.mass, try (now.centroid - centre) * scale, try velocity * 2,
                     try (now.variance.relu() + Float(0.01)).sqrt() * 0.5]
        var perMapActions: Tensor?
        if let actions {
            let perMap = try actions.unsqueezed(1).expand(to: [m, c, actions.shape[1]])
            perMapActions = try actionMap.map { try perMap * $0.expand(to: [m, c, actions.shape[1]]) } ?? perMap
            parts.append(perMapActions!)
        }
        let spin = turning ? try turn(previous: previous, before, current: current, now) : nil
        if let spin { parts += [spin.orientation, try spin.turn * 2] }
        let features = try Tensor.concat(parts, axis: 2)                                       // [M, C, F]

        let node = try node0(features)                                                         // [M, C, H]
        var nodeInputs = [node]
        if repulsion == nil {
            // Edge i←j: relu(U·f_i + V·f_j + b), a second layer (edge.1, relu), then the mean over j.
            nodeInputs.append(try Tensor.pairwiseMessages(receivers: edgeSource(features), senders: edgeTarget(features),
                                                          weight: edge1.weight, bias: edge1.bias!))  // [M, C, H]
        }
        if let contact {
            nodeInputs.append(try contact(contactFeatures(centroid: now.centroid, mass: now.mass, velocity: velocity,
                                                          actions: perMapActions, scale: scale)))
        }
        let hidden = try node1(Tensor.concat(nodeInputs, axis: 2))
        var correction = try out(hidden)                                                       // [M, C, 2 or 3]
        if repulsion != nil {
            let push = try pushes(centroid: now.centroid, mass: now.mass, variance: now.variance, velocity: velocity,
                                  actions: perMapActions, scale: scale)                         // [M, C, 2]
            correction = try correction + (turning ? Tensor.concat([push, Tensor.zeros([m, c, 1])], axis: 2) : push)
        }
        let maps = try current.reshaped([m, shape.height, shape.width, c])
        let moved: Tensor
        if let spin {
            let shift = try velocity + correction.slice(axis: 2, 0..<2)
            let angle = try spin.turn + correction.slice(axis: 2, 2..<3)
            moved = try Tensor.warp(maps, by: Self.turnAbout(now.centroid, by: angle, thenShift: shift))
        } else {
            moved = try Tensor.translate(maps, by: velocity + correction, kernel: resampling)
        }
        return try mixed(moved, before: current)
    }

    /// The moved `maps` [M, h, w, C] mixed across channels by I + W where a map's spread in `before` [M, D] (the maps
    /// before the move, detached; `MapMoments.spread`) is above `mixSpread`, each map then scaled back to the mass it had
    /// (a mix that added mass would compound over a rollout and move every probed position), as [M, D]; unchanged
    /// without mixing.
    func mixed(_ maps: Tensor, before: Tensor) throws -> Tensor {
        let m = maps.shape[0], p = shape.height * shape.width, c = shape.channels
        let cells = try maps.reshaped([m, p, c])
        guard let mix else { return try cells.reshaped([m, shape.dimension]) }
        let spread = try moments.spread(before.detached())
        let gate = try ((spread.reshaped([m, 1, c]) - mixSpread) * (1 / Self.mixGateWidth)).sigmoid().expand(to: [m, p, c])
        let out = try cells.reshaped([m * p, c]).matmul(mix * Self.mixScale).reshaped([m, p, c]) * gate + cells
        let massIn = try cells.sum(axes: [1], keepDims: true) + Float(1e-6)
        let massOut = try out.sum(axes: [1], keepDims: true).abs() + Float(1e-6)
        return try (out * (massIn / massOut).expand(to: [m, p, c])).reshaped([m, shape.dimension])
    }

    /// Each map's orientation now, [M, C, 2] (`MapMoments.orientation`), and the turn it made since the previous step,
    /// [M, C, 1] in radians (+ from +x towards +y, down the rows): half the angle between the two μ₂, as ½ sin of it,
    /// which is the turn for small turns and shrinks towards 0 where either map shows no orientation (a disc).
    func turn(previous: Tensor, _ before: (mass: Tensor, centroid: Tensor, variance: Tensor),
              current: Tensor, _ now: (mass: Tensor, centroid: Tensor, variance: Tensor)) throws -> (orientation: Tensor, turn: Tensor) {
        let o1 = try moments.orientation(current, now), o0 = try moments.orientation(previous, before)
        let a1 = try o1.slice(axis: 2, 0..<1), b1 = try o1.slice(axis: 2, 1..<2)
        let a0 = try o0.slice(axis: 2, 0..<1), b0 = try o0.slice(axis: 2, 1..<2)
        let cross = try b1 * a0 - a1 * b0                                                      // |o1||o0| sin 2Δθ
        let lengths = try (a1.square() + b1.square() + Float(1e-6)).sqrt() * (a0.square() + b0.square() + Float(1e-6)).sqrt()
        return (o1, try cross / (lengths + Float(0.01)) * 0.5)
    }

    /// Warp transforms [M, C, 6] (`Tensor.warp`) that turn each map by `angle` [M, C, 1] about its centroid
    /// [M, C, 2] and then move it by `shift` [M, C, 2]: the source of output cell p is R(−angle)(p − c − shift) + c.
    static func turnAbout(_ centroid: Tensor, by angle: Tensor, thenShift shift: Tensor) throws -> Tensor {
        let a = try angle.cos(), b = try angle.sin()
        let cx = try centroid.slice(axis: 2, 0..<1), cy = try centroid.slice(axis: 2, 1..<2)
        let moved = try centroid + shift
        let nx = try moved.slice(axis: 2, 0..<1), ny = try moved.slice(axis: 2, 1..<2)
        let e = try cx - a * nx - b * ny, f = try cy + b * nx - a * ny
        return try Tensor.concat([a, b, e, b * Float(-1), a, f], axis: 2)
    }
}
