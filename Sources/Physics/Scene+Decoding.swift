import Foundation

// Strict decoding of scene files: every type lists the fields it accepts, supplies documented defaults, and checks
// types and finiteness. Range and reference checks that need the whole scene live in Scene+Validation.swift.

extension Scene: Decodable {
    /// Decodes and validates (a decoded `Scene` is always a checked one).
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: CodingKeys.allCases.map(\.rawValue), context: "a scene")
        name = try f.string("name")
        description = try f.string("description", default: "")
        world = try f.value(Size.self, "world")
        gravity = try f.point("gravity") ?? SIMD2(0, -9.81)
        timestep = try f.float("timestep", default: 1.0 / 60.0)
        velocityIterations = try f.int("velocityIterations", default: 8)
        positionIterations = try f.int("positionIterations", default: 3)
        observeEvery = try f.int("observeEvery", default: 1)
        restitutionThreshold = try f.float("restitutionThreshold", default: 1)
        camera = try f.value(Camera.self, "camera", default: Camera(view: nil, resolution: 64, color: .rgb, background: .zero))
        walls = try f.value([Wall].self, "walls", default: [])
        bodies = try f.value([BodySpec].self, "bodies", default: [])
        chains = try f.value([ChainSpec].self, "chains", default: [])
        joints = try f.value([JointSpec].self, "joints", default: [])
        actor = try f.optional(Actor.self, "actor")
        violations = try f.value([ViolationType].self, "violations", default: [])
        try validate()
    }
}

extension Scene.Size: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["width", "height"], context: "the world size")
        width = try f.float("width")
        height = try f.float("height")
    }
}

extension Scene.Camera: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["view", "resolution", "color", "background"], context: "the camera")
        if f.has("view") {
            let v = try f.value(ViewRect.self, "view")
            view = CameraRect(minX: v.minX, minY: v.minY, maxX: v.maxX, maxY: v.maxY)
        } else {
            view = nil
        }
        resolution = try f.int("resolution", default: 64)
        color = try f.choice("color", default: .rgb)
        background = try f.color("background") ?? .zero
    }

    private struct ViewRect: Decodable {
        var minX, minY, maxX, maxY: Float
        init(from decoder: Decoder) throws {
            let f = try Fields(decoder, allowed: ["minX", "minY", "maxX", "maxY"], context: "the camera view")
            minX = try f.float("minX"); minY = try f.float("minY")
            maxX = try f.float("maxX"); maxY = try f.float("maxY")
        }
    }
}

extension Scene.RandomRange: Decodable {
    /// A number, or `[low, high]`.
    public init(from decoder: Decoder) throws {
        let expected = "expected a number or a range [low, high]"
        if let single = try? decoder.singleValueContainer(), !single.decodeNil(), let v = try? single.decode(Float.self) {
            guard v.isFinite else { throw fieldError(decoder.codingPath, "expected a finite number, got \(v)") }
            self.init(v)
            return
        }
        var list = try listContainer(decoder, expected: expected)
        guard list.count == 2 else { throw fieldError(decoder.codingPath, "\(expected) with 2 numbers, got \(list.count ?? 0)") }
        let lo = try finiteFloat(&list, "expected a number")
        let hi = try finiteFloat(&list, "expected a number")
        guard lo <= hi else { throw fieldError(decoder.codingPath, "expected low ≤ high in [low, high], got [\(lo), \(hi)]") }
        self.init(lo, hi)
    }

    public func encode(to encoder: Encoder) throws { try encodeRange(lower, upper, to: encoder) }
}

extension Scene.CountRange: Decodable {
    /// A whole number, or `[low, high]`.
    public init(from decoder: Decoder) throws {
        let expected = "expected a whole number or a range [low, high]"
        if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Int.self) {
            self.init(v, v)
            return
        }
        var list = try listContainer(decoder, expected: expected)
        guard list.count == 2, let lo = try? list.decode(Int.self), let hi = try? list.decode(Int.self) else {
            throw fieldError(decoder.codingPath, expected)
        }
        guard lo <= hi else { throw fieldError(decoder.codingPath, "expected low ≤ high in [low, high], got [\(lo), \(hi)]") }
        self.init(lo, hi)
    }

    public func encode(to encoder: Encoder) throws { try encodeRange(lower, upper, to: encoder) }
}

/// A range as scene files write it: the value alone when fixed, else `[low, high]` (what both ranges' decoders read).
private func encodeRange<T: Encodable & Equatable>(_ lower: T, _ upper: T, to encoder: Encoder) throws {
    if lower == upper {
        var c = encoder.singleValueContainer()
        try c.encode(lower)
    } else {
        var c = encoder.unkeyedContainer()
        try c.encode(lower)
        try c.encode(upper)
    }
}

extension Scene.RandomVector: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["x", "y"], context: "a position")
        x = try f.value(Scene.RandomRange.self, "x")
        y = try f.value(Scene.RandomRange.self, "y")
    }
}

extension Scene.RandomVelocity: Decodable {
    /// `{x, y}` ranges, or `{speed, direction}` (direction defaults to any angle, [0, 360]).
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["x", "y", "speed", "direction"], context: "a velocity")
        if f.has("speed") || f.has("direction") {
            try f.forbid(["x", "y"], because: "a velocity given by speed and direction")
            self = .polar(speed: try f.value(Scene.RandomRange.self, "speed"),
                          direction: try f.range("direction") ?? Scene.RandomRange(0, 360))
        } else {
            self = .cartesian(x: try f.range("x", default: 0)!, y: try f.range("y", default: 0)!)
        }
    }

    enum Keys: String, CodingKey { case x, y, speed, direction }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .cartesian(x, y): try c.encode(x, forKey: .x); try c.encode(y, forKey: .y)
        case let .polar(speed, direction): try c.encode(speed, forKey: .speed); try c.encode(direction, forKey: .direction)
        }
    }
}

extension Scene.Wall: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["type", "center", "width", "height", "angle", "from", "to", "points", "loop",
                                              "thickness", "friction", "restitution", "color", "solid"], context: "a wall")
        let kind: Kind = try f.choice("type")
        type = kind
        let needs: [Kind: [String]] = [.frame: [], .box: ["center", "width", "height"], .segment: ["from", "to"],
                                       .chain: ["points"], .polygon: ["points"]]
        let shaped = ["center", "width", "height", "from", "to", "points"]
        try f.forbid(shaped.filter { !needs[kind]!.contains($0) }, because: "a \(kind.rawValue) wall")
        for key in needs[kind]! where !f.has(key) {
            throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: f.path, debugDescription: "missing"))
        }
        center = try f.point("center")
        width = try f.optionalFloat("width")
        height = try f.optionalFloat("height")
        angle = try f.float("angle", default: 0)
        from = try f.point("from")
        to = try f.point("to")
        points = try f.points("points")
        loop = try f.bool("loop", default: false)
        thickness = try f.float("thickness", default: kind == .frame ? 0.5 : 0.1)
        friction = try f.float("friction", default: 0.5)
        restitution = try f.float("restitution", default: 0)
        color = try f.color("color") ?? SIMD3(128, 128, 128)
        solid = try f.bool("solid", default: true)
    }
}

extension Scene.BodySpec: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["name", "count", "type", "shape", "radius", "width", "height", "points", "scale",
                                              "position", "angle", "velocity", "angularVelocity", "density", "friction",
                                              "restitution", "linearDamping", "angularDamping", "fixedRotation", "bullet",
                                              "color"], context: "a body")
        name = try f.string("name")
        count = try f.value(Scene.CountRange.self, "count", default: Scene.CountRange(1, 1))
        type = try f.choice("type", default: .dynamic)
        let shapeKind: Scene.ShapeKind = try f.choice("shape")
        shape = shapeKind
        let needs: [Scene.ShapeKind: [String]] = [.circle: ["radius"], .box: ["width", "height"], .polygon: ["points"]]
        try f.forbid(["radius", "width", "height", "points"].filter { !needs[shapeKind]!.contains($0) },
                     because: "a \(shapeKind.rawValue) body")
        for key in needs[shapeKind]! where !f.has(key) {
            throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: f.path, debugDescription: "missing"))
        }
        radius = try f.range("radius")
        width = try f.range("width")
        height = try f.range("height")
        points = try f.points("points")
        scale = try f.range("scale", default: 1)!
        position = try f.value(Scene.RandomVector.self, "position")
        angle = try f.range("angle", default: 0)!
        velocity = try f.value(Scene.RandomVelocity.self, "velocity", default: .zero)
        angularVelocity = try f.range("angularVelocity", default: 0)!
        density = try f.float("density", default: 1)
        friction = try f.float("friction", default: 0.3)
        restitution = try f.float("restitution", default: 0)
        linearDamping = try f.float("linearDamping", default: 0)
        angularDamping = try f.float("angularDamping", default: 0)
        fixedRotation = try f.bool("fixedRotation", default: false)
        bullet = try f.bool("bullet", default: false)
        colors = try f.colors("color") ?? [SIMD3(230, 230, 230)]
    }
}

extension Scene.ChainSpec: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["name", "anchor", "links", "length", "width", "angle", "bend", "bob", "density",
                                              "friction", "restitution", "linearDamping", "angularDamping", "color"],
                           context: "a chain")
        name = try f.string("name")
        guard let a = try f.point("anchor") else {
            throw DecodingError.keyNotFound(AnyKey("anchor"), DecodingError.Context(codingPath: f.path, debugDescription: "missing"))
        }
        anchor = a
        links = try f.value(Scene.CountRange.self, "links")
        length = try f.value(Scene.RandomRange.self, "length")
        width = try f.float("width", default: 0.2)
        angle = try f.range("angle", default: 0)!
        bend = try f.range("bend", default: 0)!
        bob = try f.optionalFloat("bob")
        density = try f.float("density", default: 1)
        friction = try f.float("friction", default: 0.3)
        restitution = try f.float("restitution", default: 0)
        linearDamping = try f.float("linearDamping", default: 0)
        angularDamping = try f.float("angularDamping", default: 0)
        colors = try f.colors("color") ?? [SIMD3(230, 230, 230)]
    }
}

extension Scene.JointSpec: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["type", "a", "b", "anchorA", "anchorB", "length", "frequency", "dampingRatio",
                                              "lowerAngle", "upperAngle", "motorSpeed", "maxMotorTorque", "collideConnected"],
                           context: "a joint")
        type = try f.choice("type")
        switch type {
        case .revolute: try f.forbid(["anchorB", "length", "frequency", "dampingRatio"], because: "a revolute joint")
        case .distance: try f.forbid(["lowerAngle", "upperAngle", "motorSpeed", "maxMotorTorque"], because: "a distance joint")
        }
        a = try f.string("a")
        b = try f.string("b")
        anchorA = try f.point("anchorA") ?? .zero
        anchorB = try f.point("anchorB") ?? .zero
        length = try f.optionalFloat("length")
        frequency = try f.float("frequency", default: 0)
        dampingRatio = try f.float("dampingRatio", default: 0)
        lowerAngle = try f.optionalFloat("lowerAngle")
        upperAngle = try f.optionalFloat("upperAngle")
        motorSpeed = try f.optionalFloat("motorSpeed")
        maxMotorTorque = try f.float("maxMotorTorque", default: 0)
        collideConnected = try f.bool("collideConnected", default: false)
    }
}

extension Scene.Actor: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["body", "force", "policy"], context: "the actor")
        body = try f.string("body")
        force = try f.float("force")
        policy = try f.value(Scene.Policy.self, "policy",
                             default: Scene.Policy(theta: 1, sigma: 1, push: nil, goal: nil, gain: 1))
    }
}

extension Scene.Policy: Decodable {
    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder, allowed: ["theta", "sigma", "push", "goal", "gain"], context: "the actor policy")
        theta = try f.float("theta", default: 1)
        sigma = try f.float("sigma", default: 1)
        push = try f.optionalString("push")
        goal = try f.point("goal")
        gain = try f.float("gain", default: 1)
    }
}
