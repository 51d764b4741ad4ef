/// Strict field reading for scene decoding: unknown keys, wrong types and non-finite numbers are errors that carry
/// the coding path, so `SceneError.from` can name the field and its line.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

func fieldError(_ path: [CodingKey], _ message: String) -> DecodingError {
    .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: message))
}

/// A mapping whose keys are checked against an allowed list before anything is read.
struct Fields {
    let container: KeyedDecodingContainer<AnyKey>
    var path: [CodingKey] { container.codingPath }

    init(_ decoder: Decoder, allowed: [String], context: String) throws {
        do {
            container = try decoder.container(keyedBy: AnyKey.self)
        } catch DecodingError.typeMismatch(_, let ctx) {
            throw DecodingError.typeMismatch(
                [String: Any].self,
                DecodingError.Context(codingPath: ctx.codingPath, debugDescription: "expected a mapping of \(context) fields"))
        }
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw fieldError(path + [key], "unknown field `\(key.stringValue)` in \(context); allowed: \(allowed.joined(separator: ", "))")
        }
    }

    func has(_ key: String) -> Bool { container.contains(AnyKey(key)) }

    private func typed<T: Decodable>(_ type: T.Type, _ key: String, _ expected: String) throws -> T? {
        let k = AnyKey(key)
        guard container.contains(k) else { return nil }
        do {
            return try container.decode(T.self, forKey: k)
        } catch DecodingError.typeMismatch(_, let ctx) where ctx.codingPath.count == path.count + 1 {
            throw DecodingError.typeMismatch(T.self, DecodingError.Context(codingPath: ctx.codingPath, debugDescription: expected))
        } catch DecodingError.valueNotFound(_, let ctx) where ctx.codingPath.count == path.count + 1 {
            throw DecodingError.typeMismatch(T.self, DecodingError.Context(codingPath: ctx.codingPath, debugDescription: expected))
        }
    }

    func optionalFloat(_ key: String) throws -> Float? {
        guard let v = try typed(Float.self, key, "expected a number") else { return nil }
        guard v.isFinite else { throw fieldError(path + [AnyKey(key)], "expected a finite number, got \(v)") }
        return v
    }

    func float(_ key: String, default value: Float? = nil) throws -> Float {
        if let v = try optionalFloat(key) { return v }
        if let value { return value }
        throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: path, debugDescription: "missing"))
    }

    func optionalInt(_ key: String) throws -> Int? { try typed(Int.self, key, "expected a whole number") }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        if let v = try optionalInt(key) { return v }
        if let value { return value }
        throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: path, debugDescription: "missing"))
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        try typed(Bool.self, key, "expected true or false") ?? value
    }

    func optionalString(_ key: String) throws -> String? { try typed(String.self, key, "expected text") }

    func string(_ key: String, default value: String? = nil) throws -> String {
        if let v = try optionalString(key) { return v }
        if let value { return value }
        throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: path, debugDescription: "missing"))
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T? = nil) throws -> T where T.RawValue == String {
        let options = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard let raw = try typed(String.self, key, "expected one of \(options)") else {
            if let value { return value }
            throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: path, debugDescription: "missing"))
        }
        guard let v = T(rawValue: raw) else { throw fieldError(path + [AnyKey(key)], "expected one of \(options), got `\(raw)`") }
        return v
    }

    /// Any nested `Decodable` (our own types do their own strict checking).
    func optional<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        let k = AnyKey(key)
        guard container.contains(k) else { return nil }
        return try container.decode(T.self, forKey: k)
    }

    func value<T: Decodable>(_ type: T.Type, _ key: String, default value: T? = nil) throws -> T {
        if let v = try optional(T.self, key) { return v }
        if let value { return value }
        throw DecodingError.keyNotFound(AnyKey(key), DecodingError.Context(codingPath: path, debugDescription: "missing"))
    }

    func point(_ key: String) throws -> SIMD2<Float>? { try optional(Point.self, key)?.value }
    func points(_ key: String) throws -> [SIMD2<Float>]? { try optional([Point].self, key)?.map(\.value) }
    func range(_ key: String, default value: Float? = nil) throws -> Scene.RandomRange? {
        try optional(Scene.RandomRange.self, key) ?? value.map { Scene.RandomRange($0) }
    }
    func color(_ key: String) throws -> SIMD3<UInt8>? { try optional(ColorValue.self, key)?.value }
    func colors(_ key: String) throws -> [SIMD3<UInt8>]? { try optional(ColorList.self, key)?.values }

    /// Rejects a field that does not apply to the chosen variant (e.g. `radius` on a box).
    func forbid(_ keys: [String], because reason: String) throws {
        for key in keys where has(key) { throw fieldError(path + [AnyKey(key)], "field `\(key)` does not apply to \(reason)") }
    }
}

/// Reads the list items of a sequence node, rewording a type mismatch.
func listContainer(_ decoder: Decoder, expected: String) throws -> UnkeyedDecodingContainer {
    do {
        return try decoder.unkeyedContainer()
    } catch DecodingError.typeMismatch(_, let ctx) {
        throw DecodingError.typeMismatch([Any].self, DecodingError.Context(codingPath: ctx.codingPath, debugDescription: expected))
    }
}

func finiteFloat(_ list: inout UnkeyedDecodingContainer, _ expected: String) throws -> Float {
    let index = list.currentIndex
    let v: Float
    do { v = try list.decode(Float.self) } catch DecodingError.typeMismatch(_, let ctx) {
        throw DecodingError.typeMismatch(Float.self, DecodingError.Context(codingPath: ctx.codingPath, debugDescription: expected))
    }
    guard v.isFinite else { throw fieldError(list.codingPath + [IndexKey(index)], "expected a finite number, got \(v)") }
    return v
}

struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ i: Int) { stringValue = "Index \(i)"; intValue = i }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

/// `[x, y]` with finite numbers.
struct Point: Decodable {
    var value: SIMD2<Float>
    init(from decoder: Decoder) throws {
        var list = try listContainer(decoder, expected: "expected a point [x, y]")
        guard list.count == 2 else { throw fieldError(decoder.codingPath, "expected a point [x, y] with 2 numbers, got \(list.count ?? 0)") }
        let x = try finiteFloat(&list, "expected a number")
        let y = try finiteFloat(&list, "expected a number")
        value = SIMD2(x, y)
    }
}

/// `[r, g, b]` (0...255) or `"#rrggbb"`.
struct ColorValue: Decodable {
    var value: SIMD3<UInt8>
    static let expected = "expected a colour [r, g, b] with 0...255 each, or \"#rrggbb\""

    init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            guard text.count == 7, text.first == "#", let v = UInt32(text.dropFirst(), radix: 16) else {
                throw fieldError(decoder.codingPath, "\(Self.expected), got `\(text)`")
            }
            value = SIMD3(UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255))
            return
        }
        var list = try listContainer(decoder, expected: Self.expected)
        guard list.count == 3 else { throw fieldError(decoder.codingPath, Self.expected) }
        var c = SIMD3<UInt8>()
        for i in 0..<3 {
            let index = list.currentIndex
            guard let v = try? list.decode(Int.self), (0...255).contains(v) else {
                throw fieldError(decoder.codingPath + [IndexKey(index)], Self.expected)
            }
            c[i] = UInt8(v)
        }
        value = c
    }

    /// Whether this node is a single colour rather than a list of colours.
    static func isSingle(_ decoder: Decoder) -> Bool {
        if (try? decoder.singleValueContainer().decode(String.self)) != nil { return true }
        guard var list = try? decoder.unkeyedContainer() else { return false }
        return (try? list.decode(Int.self)) != nil
    }
}

/// One colour or a list of colours.
struct ColorList: Decodable {
    var values: [SIMD3<UInt8>]
    init(from decoder: Decoder) throws {
        if ColorValue.isSingle(decoder) {
            values = [try ColorValue(from: decoder).value]
        } else {
            var list = try listContainer(decoder, expected: ColorValue.expected)
            var out: [SIMD3<UInt8>] = []
            while !list.isAtEnd { out.append(try list.decode(ColorValue.self).value) }
            guard !out.isEmpty else { throw fieldError(decoder.codingPath, "expected at least one colour") }
            values = out
        }
    }
}
