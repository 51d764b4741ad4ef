import Foundation

/// A JSON tree that keeps key order, prints numbers in their shortest round-trip form and parses back
/// strictly (duplicate keys, bad UTF-8 and trailing text are errors), so written bytes are deterministic
/// and a re-read compares true values. Two layouts: `serialized()` for reports people read, `compact()`
/// for safetensors headers (serde_json's form, so Tumble's files are byte-identical to Python's).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A finite number, or null for NaN/infinity (JSON has no such numbers; null reads as "undefined").
    public static func finite(_ v: Double) -> JSONValue { v.isFinite ? .number(v) : .null }

    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var doubleValue: Double? { if case let .number(v) = self { return v }; return nil }
    public var stringValue: String? { if case let .string(v) = self { return v }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(v) = self { return v }; return nil }

    /// What kind of value this is, for error messages.
    public var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    // MARK: - Writing

    /// Pretty-printed with two-space indents and a trailing newline.
    public func serialized() -> String {
        var out = ""
        write(into: &out, indent: 0)
        out += "\n"
        return out
    }

    /// One line, no spaces, `\b`/`\f` escapes: serde_json's compact form.
    public func compact() -> String {
        var out = ""
        writeCompact(into: &out)
        return out
    }

    private func writeCompact(into out: inout String) {
        switch self {
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCompact(into: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, shortEscapes: true, into: &out)
                out += ":"
                value.writeCompact(into: &out)
            }
            out += "}"
        case let .string(s): Self.quote(s, shortEscapes: true, into: &out)
        default: writeScalar(into: &out)
        }
    }

    private func writeScalar(into out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(v): out += Self.format(v)
        case let .string(s): Self.quote(s, shortEscapes: false, into: &out)
        case .array, .object: preconditionFailure("writeScalar takes scalars")
        }
    }

    private var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }

    private func write(into out: inout String, indent: Int) {
        switch self {
        case let .array(items):
            // Arrays of scalars stay on one line: per-coordinate lists remain readable.
            if !items.contains(where: \.isContainer) {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += ", " }
                    item.writeScalar(into: &out)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                item.write(into: &out, indent: indent + 2)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in pairs.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                Self.quote(key, shortEscapes: false, into: &out)
                out += ": "
                value.write(into: &out, indent: indent + 2)
                out += i + 1 < pairs.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        default: writeScalar(into: &out)
        }
    }

    /// Integers print without a fraction; others in Swift's shortest form that parses back to the same bits.
    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// `shortEscapes` writes backspace and form feed as `\b` and `\f` (serde_json) instead of `\u0008`, `\u000c`.
    private static func quote(_ s: String, shortEscapes: Bool, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}" where shortEscapes: out += "\\b"
            case "\u{0C}" where shortEscapes: out += "\\f"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
