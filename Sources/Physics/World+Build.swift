import CBox2D

/// Turning an episode's `Layout` into Box2D objects.
///
/// The order of creation decides Box2D's behaviour (body and shape ids, contact order), hence determinism:
/// ground and scenery, then the layout's bodies in order (each body's shapes right after it), then its joints.
/// Each step below is one helper, called once in that order by `build`.
extension World {
    /// Builds the episode's Box2D world (already created, empty) from `layout` and resets the per-episode tables.
    func build(_ layout: Layout) {
        for i in 0..<rows.count { rowIDs[i] = -1; bodyMask[i] = false; contactFlags[i] = 0 }
        drawn.removeAll(keepingCapacity: true)
        staticObstacles.removeAll(keepingCapacity: true)

        var groundDef = tb_default_body_def()
        groundDef.type = Int32(TB_STATIC)
        let ground = tb_body_create(handle, &groundDef)
        groundID = ground
        pullState = nil
        for piece in scenery.pieces { addScenery(piece, to: ground) }

        var ids: [Int32] = []
        for body in layout.bodies { ids.append(addBody(body)) }
        for joint in layout.joints { addJoint(joint, ids: ids, ground: ground) }
        indexDrawnBodies()
    }

    /// One wall or zone on the ground body; zones are sensors that collide with nothing (drawn only).
    private func addScenery(_ piece: Scenery.Piece, to ground: Int32) {
        var sd = tb_default_shape_def()
        sd.friction = piece.friction
        sd.restitution = piece.restitution
        sd.restitution_threshold = scene.restitutionThreshold
        sd.category_bits = Self.wallCategory
        if !piece.solid { sd.sensor = 1; sd.mask_bits = 0 }  // zones: drawn only
        switch piece.shape {
        case let .polygon(v):
            let xy = v.flatMap { [$0.x, $0.y] }
            tb_add_polygon(handle, ground, &sd, xy, Int32(v.count))
        case let .segment(a, b):
            tb_add_edge(handle, ground, &sd, a.x, a.y, b.x, b.y)
        case let .chain(v, loop):
            let xy = v.flatMap { [$0.x, $0.y] }
            tb_add_chain(handle, ground, &sd, xy, Int32(v.count), loop ? 1 : 0)
        }
    }

    /// Creates one layout body with its shapes and records it (state row, drawing, static obstacle); returns its id.
    private func addBody(_ body: Layout.Body) -> Int32 {
        var def = tb_default_body_def()
        switch body.type {
        case .dynamic: def.type = Int32(TB_DYNAMIC)
        case .kinematic: def.type = Int32(TB_KINEMATIC)
        case .static: def.type = Int32(TB_STATIC)
        }
        def.x = body.position.x; def.y = body.position.y; def.angle = body.angle
        def.vx = body.velocity.x; def.vy = body.velocity.y; def.omega = body.omega
        def.linear_damping = body.linearDamping; def.angular_damping = body.angularDamping
        def.fixed_rotation = body.fixedRotation ? 1 : 0
        def.bullet = body.bullet ? 1 : 0
        def.allow_sleep = allowSleep ? 1 : 0
        let id = tb_body_create(handle, &def)
        var sd = tb_default_shape_def()
        sd.density = body.density
        sd.friction = body.friction
        sd.restitution = body.restitution
        sd.restitution_threshold = scene.restitutionThreshold
        sd.category_bits = body.type == .static ? Self.wallCategory : Self.bodyCategory
        for shape in body.shapes {
            switch shape {
            case let .circle(c, r): tb_add_circle(handle, id, &sd, c.x, c.y, r)
            case let .polygon(v):
                let xy = v.flatMap { [$0.x, $0.y] }
                tb_add_polygon(handle, id, &sd, xy, Int32(v.count))
            }
        }
        if body.row >= 0 {
            rowIDs[body.row] = id
            bodyMask[body.row] = true
        }
        if body.type == .static { staticObstacles.append((body.position, body.boundingRadius)) }
        drawn.append(DrawnBody(id: id, row: body.row, shapes: body.shapes, color: body.color))
        return id
    }

    /// One joint between bodies `ids[a]` and `ids[b]` (index -1 is the ground); chain pins (no spec) are plain
    /// revolute joints, declared joints take their limits, motor and spring from the spec.
    private func addJoint(_ joint: Layout.Joint, ids: [Int32], ground: Int32) {
        let a = joint.a < 0 ? ground : ids[joint.a], b = joint.b < 0 ? ground : ids[joint.b]
        guard let spec = joint.spec else {
            tb_joint_revolute(handle, a, b, joint.anchorA.x, joint.anchorA.y, 0, 0, 0, 0, 0, 0, 0)
            return
        }
        let rad: Float = .pi / 180
        switch spec.type {
        case .revolute:
            tb_joint_revolute(handle, a, b, joint.anchorA.x, joint.anchorA.y, spec.collideConnected ? 1 : 0,
                              spec.lowerAngle == nil ? 0 : 1, (spec.lowerAngle ?? 0) * rad, (spec.upperAngle ?? 0) * rad,
                              spec.motorSpeed == nil ? 0 : 1, (spec.motorSpeed ?? 0) * rad, spec.maxMotorTorque)
        case .distance:
            tb_joint_distance(handle, a, b, joint.anchorA.x, joint.anchorA.y, joint.anchorB.x, joint.anchorB.y,
                              spec.length ?? -1, spec.frequency, spec.dampingRatio, spec.collideConnected ? 1 : 0)
        }
    }

    /// The tables read every step, derived from the drawn bodies: ids to export poses for, the pose buffer, and the
    /// actor's and pushed body's rows and sizes.
    private func indexDrawnBodies() {
        drawIDs = drawn.map(\.id)
        poses = Array(repeating: 0, count: drawn.count * 6)
        actorRow = actorEntry.map { rows.bodyOffset[$0] } ?? -1
        pushRow = pushEntry.map { rows.bodyOffset[$0] } ?? -1
        actorRadius = drawn.first { $0.row == actorRow && actorRow >= 0 }?.shapes.map(\.boundingRadius).max() ?? 0
        pushRadius = drawn.first { $0.row == pushRow && pushRow >= 0 }?.shapes.map(\.boundingRadius).max() ?? 0
    }
}
