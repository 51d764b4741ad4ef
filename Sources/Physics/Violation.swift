/// The kinds of impossible events used for surprise tests (IntPhys-style matched pairs).
public enum ViolationType: String, Codable, CaseIterable, Sendable {
    /// Object permanence: a visible body disappears.
    case vanish
    /// Continuity: a visible body jumps to a distant free place, keeping its velocity.
    case teleport
    /// Solidity: a body stops colliding with walls and static obstacles, so it passes through them.
    case passThrough
    /// Immutability: a visible body changes colour to one nothing in the scene has, keeping its shape and motion.
    /// (The raw value is 12 characters: the widest a dataset's `<U12` `violation_type` holds.)
    case immutability

    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let v = ViolationType(rawValue: raw) else {
            throw fieldError(decoder.codingPath,
                             "expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got `\(raw)`")
        }
        self = v
    }
}

/// One concrete violation to inject into a running world; `body` is a row of the state vector.
public enum Violation: Equatable, Sendable, Codable {
    case vanish(body: Int)
    case teleport(body: Int, to: SIMD2<Float>)
    case passThrough(body: Int)
    /// The new colour is part of the value, so a replayed log repaints exactly.
    case immutability(body: Int, color: SIMD3<UInt8>)

    public var type: ViolationType {
        switch self {
        case .vanish: return .vanish
        case .teleport: return .teleport
        case .passThrough: return .passThrough
        case .immutability: return .immutability
        }
    }

    public var body: Int {
        switch self {
        case let .vanish(b), let .teleport(b, _), let .passThrough(b), let .immutability(b, _): return b
        }
    }
}

/// Errors from using a `World` wrongly (the scene itself was already validated).
public enum WorldError: Error, CustomStringConvertible, Equatable {
    case violationNotSupported(ViolationType, scene: String)
    case noSuchBody(Int, bodyCount: Int)
    case bodyAbsent(Int)
    case nonFinitePoint(String)

    public var description: String {
        switch self {
        case let .violationNotSupported(t, scene): return "scene \(scene) does not support the \(t.rawValue) violation"
        case let .noSuchBody(b, n): return "body \(b) does not exist (the scene has \(n) dynamic bodies)"
        case let .bodyAbsent(b): return "body \(b) is absent in this episode or has vanished"
        case let .nonFinitePoint(what): return "\(what) must be a finite point"
        }
    }
}
