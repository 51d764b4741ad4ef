import Foundation

/// The NumPy element types a Tumble dataset uses, by their `.npy` descriptor.
public enum NPYType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case uint8, bool, int32, int64, float32
    /// Fixed-width UTF-32 text of `n` characters (`<Un`), e.g. violation type names.
    case unicode(Int)

    /// The `descr` string NumPy writes and reads (`'<f4'`, `'|u1'`, ...).
    public var descr: String {
        switch self {
        case .uint8: return "|u1"
        case .bool: return "|b1"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .float32: return "<f4"
        case .unicode(let n): return "<U\(n)"
        }
    }

    public var itemSize: Int {
        switch self {
        case .uint8, .bool: return 1
        case .int32, .float32: return 4
        case .int64: return 8
        case .unicode(let n): return 4 * n
        }
    }

    public init?(descr: String) {
        switch descr {
        case "|u1", "u1", "<u1": self = .uint8
        case "|b1", "b1", "<b1", "?": self = .bool
        case "<i4": self = .int32
        case "<i8": self = .int64
        case "<f4": self = .float32
        default:
            guard descr.hasPrefix("<U"), let n = Int(descr.dropFirst(2)), n > 0 else { return nil }
            self = .unicode(n)
        }
    }

    public var description: String { descr }
}

/// The `.npy` container: a magic string, a version, a Python-literal header dict, then raw C-order data.
///
/// Headers are padded so the data starts on a 64-byte boundary (as NumPy itself writes them), which
/// also keeps our in-place typed writes aligned.
enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// The full header (magic, version, length, dict, padding) for an array of `type` and `shape`.
    /// Version 1.0 unless the dict needs more than 65535 bytes, then 2.0.
    static func header(type: NPYType, shape: [Int]) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(type.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        var dictBytes = Array(dict.utf8)
        var prefixCount = magic.count + 2 + 2
        var major: UInt8 = 1
        if dictBytes.count + 1 + 64 > 65535 {
            major = 2
            prefixCount = magic.count + 2 + 4
        }
        let unpadded = prefixCount + dictBytes.count + 1
        let padded = (unpadded + 63) / 64 * 64
        dictBytes += Array(repeating: 0x20, count: padded - unpadded)
        dictBytes.append(0x0A)
        var out = magic
        out += [major, 0]
        let length = dictBytes.count
        if major == 1 {
            out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            out += (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        }
        out += dictBytes
        return out
    }

    struct Parsed {
        var type: NPYType
        var shape: [Int]
        var dataOffset: Int
        var count: Int { shape.reduce(1, *) }
    }

    /// Reads the header of an `.npy` held in `bytes`; `file` and `field` name it in errors.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String, field: String) throws -> Parsed {
        func fail(_ problem: String) -> DatasetError { DatasetError(file: file, field: field, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not an .npy array (expected the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let dictStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            dictStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            dictStart = 12
        default:
            throw fail("unsupported .npy version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard dictStart + headerLength <= bytes.count else { throw fail("truncated .npy header") }
        let dict = String(decoding: bytes[dictStart..<(dictStart + headerLength)], as: UTF8.self)

        guard let descr = pythonValue(of: "descr", in: dict).flatMap(unquote) else {
            throw fail("header has no 'descr'")
        }
        guard let type = NPYType(descr: descr) else {
            throw fail("unsupported dtype '\(descr)' (expected one of |u1 |b1 <i4 <i8 <f4 <Un)")
        }
        guard let fortran = pythonValue(of: "fortran_order", in: dict) else {
            throw fail("header has no 'fortran_order'")
        }
        guard fortran == "False" else { throw fail("Fortran-ordered arrays are not supported (expected C order)") }
        guard let shapeText = pythonValue(of: "shape", in: dict), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw fail("header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let n = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), n >= 0 else {
                throw fail("bad shape \(shapeText)")
            }
            shape.append(n)
        }
        let parsed = Parsed(type: type, shape: shape, dataOffset: dictStart + headerLength)
        let need = parsed.count * type.itemSize
        guard bytes.count - parsed.dataOffset == need else {
            throw fail("holds \(bytes.count - parsed.dataOffset) data bytes, expected \(need) for shape \(shape) of \(descr)")
        }
        return parsed
    }

    /// The raw text of `key`'s value in a Python dict literal (a quoted string, a word or a tuple).
    private static func pythonValue(of key: String, in dict: String) -> String? {
        let chars = Array(dict)
        for quote in ["'", "\""] {
            let pattern = Array(quote + key + quote)
            guard let start = firstIndex(of: pattern, in: chars) else { continue }
            var i = start + pattern.count
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count, chars[i] == ":" else { return nil }
            i += 1
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count else { return nil }
            let begin = i
            if chars[i] == "'" || chars[i] == "\"" {
                let q = chars[i]
                i += 1
                while i < chars.count, chars[i] != q { i += 1 }
                return i < chars.count ? String(chars[begin...i]) : nil
            }
            if chars[i] == "(" {
                while i < chars.count, chars[i] != ")" { i += 1 }
                return i < chars.count ? String(chars[begin...i]) : nil
            }
            while i < chars.count, chars[i] != ",", chars[i] != "}" { i += 1 }
            return String(chars[begin..<i]).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private static func unquote(_ s: String) -> String? {
        guard s.count >= 2, let f = s.first, f == "'" || f == "\"", s.last == f else { return nil }
        return String(s.dropFirst().dropLast())
    }

    private static func firstIndex(of pattern: [Character], in chars: [Character]) -> Int? {
        guard pattern.count <= chars.count else { return nil }
        for i in 0...(chars.count - pattern.count) where chars[i] == pattern[0] {
            if Array(chars[i..<(i + pattern.count)]) == pattern { return i }
        }
        return nil
    }
}
