import Foundation

/// One value of a configuration key. Configs are flat maps from dotted keys (`optim.lr`) to these,
/// which makes `--set key=value`, unknown-key detection, canonical serialisation and the
/// resume comparison one simple thing each.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case ints([Int])

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ConfigValue.format(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        case .ints(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        }
    }

    /// Shortest text that parses back to the same Double (Swift's description is round-trip exact).
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }
}

/// What a key accepts. Each case carries its bounds so the error can say what was expected.
enum ConfigKind: Sendable {
    case int(min: Int, max: Int)
    case double(min: Double, max: Double, minInclusive: Bool)
    case bool
    case choice([String])
    case ints(minCount: Int, maxCount: Int, min: Int, max: Int)

    var expected: String {
        switch self {
        case .int(let lo, let hi):
            return hi == Int.max ? "an integer ≥ \(lo)" : "an integer in \(lo)...\(hi)"
        case .double(let lo, let hi, let inc):
            let lower = inc ? "≥ \(ConfigValue.format(lo))" : "> \(ConfigValue.format(lo))"
            return hi == .infinity ? "a finite number \(lower)" : "a number \(lower) and ≤ \(ConfigValue.format(hi))"
        case .bool: return "true or false"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .ints(let minCount, let maxCount, let lo, _):
            return "a list of \(minCount)...\(maxCount) integers ≥ \(lo)"
        }
    }
}

/// A key's definition: its kind, default and a one-line reason for being.
struct ConfigEntry: Sendable {
    var key: String
    var kind: ConfigKind
    var defaultValue: ConfigValue
    var doc: String
    /// Keys that only say how long this invocation runs or how often it reports; they may change on `--resume`.
    var resumable: Bool = false
    /// False for options added after the shipped models were trained: a stored config holds them only when set, so
    /// those models' recipes still train to the same bytes.
    var storedWhenDefault: Bool = true
}

/// Error in a config file, a `--set` override or a checkpoint's stored config.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int?
    public var key: String
    public var message: String
    public var description: String {
        let at = line.map { "\(source):\($0)" } ?? source
        return "\(at): \(key): \(message)"
    }
}

extension ConfigKind {
    /// Parses a YAML scalar's text (or a `--set` value) into a value of this kind.
    func parse(_ text: String) -> ConfigValue? {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case .int(let lo, let hi):
            guard let v = Int(t), v >= lo, v <= hi else { return nil }
            return .int(v)
        case .double(let lo, let hi, let inc):
            guard let v = Double(t), v.isFinite, inc ? v >= lo : v > lo, v <= hi else { return nil }
            return .double(v)
        case .bool:
            switch t.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: return nil
            }
        case .choice(let options):
            return options.contains(t) ? .string(t) : nil
        case .ints(let minCount, let maxCount, let lo, let hi):
            var body = t
            if body.hasPrefix("[") && body.hasSuffix("]") { body = String(body.dropFirst().dropLast()) }
            let parts = body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            var out: [Int] = []
            for p in parts {
                guard let v = Int(p), v >= lo, v <= hi else { return nil }
                out.append(v)
            }
            guard out.count >= minCount, out.count <= maxCount else { return nil }
            return .ints(out)
        }
    }
}
