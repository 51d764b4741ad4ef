import Common
import Foundation

/// One episode's concrete bodies and joints, drawn from a scene with the episode's layout stream.
///
/// Kept separate from Box2D so that validation can try placements without building worlds, and so that the world is
/// built from plain values in one fixed order (the order decides Box2D's behaviour, hence determinism).
struct Layout {
    struct Body {
        /// State row for dynamic bodies, -1 otherwise.
        var row: Int
        var type: Scene.BodyType
        var position: SIMD2<Float>
        var angle: Float
        var velocity: SIMD2<Float>
        var omega: Float
        var shapes: [LocalShape]
        var color: SIMD3<UInt8>
        var density: Float, friction: Float, restitution: Float
        var linearDamping: Float, angularDamping: Float
        var fixedRotation: Bool, bullet: Bool
        var boundingRadius: Float

        func toWorld(_ local: SIMD2<Float>) -> SIMD2<Float> { position + Geometry.rotate(local, angle) }
    }

    struct Joint {
        var spec: Scene.JointSpec?
        /// Indices into `bodies`; -1 is the static ground.
        var a: Int, b: Int
        var anchorA: SIMD2<Float>, anchorB: SIMD2<Float>
    }

    var bodies: [Body] = []
    var joints: [Joint] = []

    /// Where placement gave up: which entry (`bodies[i]` or `chains[i]`) and instance.
    struct PlacementFailure: Error {
        var path: [PathStep]
        var instance: Int
        var attempts: Int
    }

    /// Draws an episode. `maxCounts` uses every entry's upper count (validation's worst case). With `strict`, a body
    /// that finds no free place within `attempts` tries is a failure; otherwise it is put at its last try and the
    /// solver separates it (validation makes that practically unreachable).
    static func make(_ scene: Scene, rows: RowMap, scenery: [WallPiece], rng: inout SplitMix64, attempts: Int,
                     maxCounts: Bool, strict: Bool) throws -> Layout {
        var layout = Layout()
        var space = FreeSpace(walls: scenery.map(WorldShape.init))

        // Chains first: they hang from fixed anchors, so loose bodies must avoid them, not the other way round.
        var chains: [HungChain] = []
        for (ci, chain) in scene.chains.enumerated() {
            chains.append(try hangChain(chain, index: ci, rows: rows, world: scene.world, space: &space, rng: &rng,
                                        attempts: attempts, maxCounts: maxCounts, strict: strict))
        }

        // Loose bodies in file order, each instance at a random free spot.
        var firstOfEntry: [Int] = []
        for (bi, spec) in scene.bodies.enumerated() {
            firstOfEntry.append(layout.bodies.count)
            let count = maxCounts ? spec.count.upper : rng.integer(spec.count.lower, spec.count.upper)
            for k in 0..<count {
                layout.bodies.append(try placeBody(spec, entry: bi, instance: k, rows: rows, space: &space, rng: &rng,
                                                   attempts: attempts, strict: strict))
            }
        }

        let firstOfChain = layout.appendChains(chains)
        layout.appendDeclaredJoints(scene.joints, rows: rows, firstOfEntry: firstOfEntry, firstOfChain: firstOfChain)
        return layout
    }

    /// Appends the chains after the loose bodies (chains follow them in creation and state order), each link pinned
    /// to the previous one or to its anchor; returns the index of each chain's first link.
    private mutating func appendChains(_ chains: [HungChain]) -> [Int] {
        var firstOfChain: [Int] = []
        for chain in chains {
            let base = bodies.count
            firstOfChain.append(base)
            bodies += chain.links
            for (prev, link, pin) in chain.pins {
                joints.append(Joint(spec: nil, a: prev < 0 ? -1 : base + prev, b: base + link, anchorA: pin, anchorB: pin))
            }
        }
        return firstOfChain
    }

    /// Appends the scene's declared joints, their references resolved to body indices and anchors turned into
    /// world points (needs every body placed).
    private mutating func appendDeclaredJoints(_ specs: [Scene.JointSpec], rows: RowMap, firstOfEntry: [Int],
                                               firstOfChain: [Int]) {
        for spec in specs {
            let a = rows.resolve(spec.a, firstOfEntry: firstOfEntry, firstOfChain: firstOfChain)!
            let b = rows.resolve(spec.b, firstOfEntry: firstOfEntry, firstOfChain: firstOfChain)!
            let wa = a < 0 ? spec.anchorA : bodies[a].toWorld(spec.anchorA)
            let wb = b < 0 ? spec.anchorB : bodies[b].toWorld(spec.anchorB)
            joints.append(Joint(spec: spec, a: a, b: b, anchorA: wa, anchorB: spec.type == .revolute ? wa : wb))
        }
    }
}

/// Where each scene entry's instances sit in the state vector, and how joint references resolve.
struct RowMap {
    /// First state row of each `bodies` entry (only meaningful for dynamic entries).
    var bodyOffset: [Int] = []
    var chainOffset: [Int] = []
    /// N: rows for the largest counts.
    var count = 0

    init(_ scene: Scene) {
        for spec in scene.bodies {
            bodyOffset.append(count)
            if spec.type == .dynamic { count += spec.count.upper }
        }
        for chain in scene.chains {
            chainOffset.append(count)
            count += chain.links.upper
        }
        names = [:]
        for (i, b) in scene.bodies.enumerated() { names[b.name] = (false, i, b.count.lower) }
        for (i, c) in scene.chains.enumerated() { names[c.name] = (true, i, c.links.lower) }
    }

    /// name → (is chain, entry index, instances always present)
    var names: [String: (chain: Bool, index: Int, minimum: Int)]

    /// Parses `ground`, `name` or `name[i]`; `nil` if malformed.
    static func parseReference(_ ref: String) -> (name: String, instance: Int)? {
        if ref == "ground" { return ("ground", 0) }
        guard let open = ref.firstIndex(of: "[") else { return ref.isEmpty ? nil : (ref, 0) }
        guard ref.last == "]", let i = Int(ref[ref.index(after: open)..<ref.index(before: ref.endIndex)]), i >= 0 else { return nil }
        return (String(ref[..<open]), i)
    }

    /// Index into `Layout.bodies` (-1 for ground) for a validated reference.
    func resolve(_ ref: String, firstOfEntry: [Int], firstOfChain: [Int]) -> Int? {
        guard let (name, instance) = Self.parseReference(ref) else { return nil }
        if name == "ground" { return -1 }
        guard let entry = names[name] else { return nil }
        return (entry.chain ? firstOfChain[entry.index] : firstOfEntry[entry.index]) + instance
    }
}
