import Common
import Foundation

/// What the window remembers between runs, in the user's config directory (`$XDG_CONFIG_HOME/tumble/view.json`,
/// else `~/.config/tumble/view.json`): the horizon, which overlays and panels are on, and the physics panel.
/// Headless runs neither read nor write it, so a scripted screenshot never depends on who runs it.
public struct ViewerSettings: Equatable {
    public var horizon = 5
    public var masks = false
    public var probe = false
    public var panels = false
    var physics = PhysicsSettings()

    public init() {}

    /// The file the window uses, from the environment.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") {
            return URL(fileURLWithPath: x).appendingPathComponent("tumble/view.json")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".config/tumble/view.json")
    }

    var json: JSONValue {
        .object([
            ("horizon", .number(Double(horizon))), ("masks", .bool(masks)), ("probe", .bool(probe)), ("panels", .bool(panels)),
            ("physics", .object([
                ("observe_every", physics.observeEvery.map { .number(Double($0)) } ?? .null),
                ("velocity_iterations", physics.iterations.map { .number(Double($0.velocity)) } ?? .null),
                ("position_iterations", physics.iterations.map { .number(Double($0.position)) } ?? .null),
                ("sleep", .bool(physics.sleep)),
            ])),
        ])
    }

    /// Reads `url`; a missing file gives the defaults. Anything else wrong throws an error naming the file, the
    /// field and what was expected.
    public static func load(_ url: URL) throws -> ViewerSettings {
        guard FileManager.default.fileExists(atPath: url.path) else { return ViewerSettings() }
        func fail(_ field: String, _ expected: String) -> SettingsError { SettingsError(file: url.path, field: field, expected: expected) }
        let root: JSONValue
        do { root = try JSONValue.parse(Data(contentsOf: url)) } catch { throw fail("(file)", "a JSON object (\(error))") }
        guard case let .object(pairs) = root else { throw fail("(file)", "a JSON object, got \(root.kind)") }
        var s = ViewerSettings()
        func int(_ v: JSONValue, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let d = v.doubleValue, d == d.rounded(), range.contains(Int(exactly: d) ?? Int.min) else {
                throw fail(field, "a whole number in \(range.lowerBound)...\(range.upperBound), got \(v.compact())")
            }
            return Int(d)
        }
        func bool(_ v: JSONValue, _ field: String) throws -> Bool {
            guard case let .bool(b) = v else { throw fail(field, "true or false, got \(v.compact())") }
            return b
        }
        func optionalInt(_ v: JSONValue?, _ field: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v, v != .null else { return nil }
            return try int(v, field, range)
        }
        for (key, value) in pairs {
            switch key {
            case "horizon": s.horizon = try int(value, key, 1...9)
            case "masks": s.masks = try bool(value, key)
            case "probe": s.probe = try bool(value, key)
            case "panels": s.panels = try bool(value, key)
            case "physics":
                guard case let .object(fields) = value else { throw fail(key, "an object, got \(value.kind)") }
                for (k, _) in fields where !["observe_every", "velocity_iterations", "position_iterations", "sleep"].contains(k) {
                    throw fail("physics.\(k)", "one of observe_every, velocity_iterations, position_iterations, sleep")
                }
                s.physics.observeEvery = try optionalInt(value["observe_every"], "physics.observe_every", 1...100)
                let v = try optionalInt(value["velocity_iterations"], "physics.velocity_iterations", 1...100)
                let p = try optionalInt(value["position_iterations"], "physics.position_iterations", 1...100)
                guard (v == nil) == (p == nil) else {
                    throw fail("physics.velocity_iterations", "velocity_iterations and position_iterations both set or both null")
                }
                if let v, let p { s.physics.iterations = .init(velocity: v, position: p) }
                if let sleep = value["sleep"] { s.physics.sleep = try bool(sleep, "physics.sleep") }
            default:
                throw fail(key, "one of horizon, masks, probe, panels, physics")
            }
        }
        return s
    }

    /// Writes the settings atomically (temporary file, fsync, rename), creating the directory if needed.
    public func save(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(json.serialized(), to: url)
    }
}

/// A settings file that cannot be used: which file, which field, what was expected.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var field: String
    public var expected: String
    public var description: String { "\(file): \(field): expected \(expected)" }
}
