import Common
import Foundation

/// A bad or unreadable safetensors file: names the file and what was wrong.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

/// The contents of a safetensors file: tensors by name (and in file order) plus string metadata.
public struct SafeTensorsFile {
    public var tensors: [String: Tensor]
    /// Tensor names in the order of their data in the file.
    public var names: [String]
    public var metadata: [String: String]
}

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
/// 8-byte little-endian header length N, N bytes of JSON (`{"__metadata__": {...}, "name": {"dtype",
/// "shape", "data_offsets"}}`, padded with spaces to a multiple of 8), then the tensors' little-endian
/// bytes back to back. Files are written exactly as the reference implementation writes them (tensors
/// sorted by name, compact JSON), so a file round-trips byte for byte through Python.
public enum SafeTensors {
    /// Largest header accepted (as in the reference implementation).
    static let maxHeader = 100_000_000
    static let knownDtypes: [String: Int] = ["BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
                                             "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8]

    /// The file's bytes for `tensors` (Float32) and `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> [UInt8] {
        var seen = Set<String>()
        for t in tensors {
            guard seen.insert(t.name).inserted else {
                throw SafeTensorsError(file: "(encode)", message: "duplicate tensor name '\(t.name)'")
            }
            guard t.name != "__metadata__" else {
                throw SafeTensorsError(file: "(encode)", message: "'__metadata__' is reserved and cannot name a tensor")
            }
        }
        let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var entries: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { ($0, JSONValue.string(metadata[$0]!)) }
            entries.append(("__metadata__", .object(kv)))
        }
        var offset = 0
        for t in sorted {
            let bytes = t.tensor.count * 4
            entries.append((t.name, .object([
                ("dtype", .string("F32")),
                ("shape", .array(t.tensor.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + bytes))])),
            ])))
            offset += bytes
        }
        var header = Array(JSONValue.object(entries).compact().utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        out += header
        for t in sorted {
            t.tensor.withUnsafeBufferPointer { buf in
                #if _endian(big)
                for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
                #else
                out += UnsafeRawBufferPointer(buf)
                #endif
            }
        }
        return out
    }

    /// Writes a file atomically: a temporary file in the same directory, flushed, then renamed over `url`,
    /// so a crash never leaves a half-written checkpoint under the real name.
    public static func save(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        let bytes = try encode(tensors, metadata: metadata)
        try writeAtomically(bytes, to: url)
    }

    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw SafeTensorsError(file: url.path, message: "cannot create temporary file in \(dir.path): \(String(cString: strerror(errno)))") }
        var ok = true
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { ok = false; break }
                done += n
            }
        }
        let err = String(cString: strerror(errno))
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok else { unlink(tmp.path); throw SafeTensorsError(file: url.path, message: "write failed: \(err)") }
        guard rename(tmp.path, url.path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp.path)
            throw SafeTensorsError(file: url.path, message: "cannot rename temporary file into place: \(e)")
        }
    }

    /// Reads and validates a file.
    public static func load(from url: URL) throws -> SafeTensorsFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafeTensorsError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try decode([UInt8](data), source: url.path)
    }

    /// Parses and validates file bytes: header length, JSON, dtypes, shapes, and that the data offsets tile the
    /// data section exactly (contiguous, in bounds, non-overlapping). `source` names the file in errors.
    public static func decode(_ bytes: [UInt8], source: String = "(bytes)") throws -> SafeTensorsFile {
        func fail(_ m: String) -> SafeTensorsError { SafeTensorsError(file: source, message: m) }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, too short for the 8-byte header length (truncated?)")
        }
        var n64: UInt64 = 0
        for i in 0..<8 { n64 |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n64 <= UInt64(maxHeader) else { throw fail("header length \(n64) exceeds the \(maxHeader)-byte limit (not a safetensors file?)") }
        let n = Int(n64)
        guard 8 + n <= bytes.count else {
            throw fail("header length \(n) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        guard n >= 2, bytes[8] == UInt8(ascii: "{") else { throw fail("header does not start with '{' (not a safetensors file?)") }
        let json: JSONValue
        do { json = try JSONValue.parse(Array(bytes[8..<(8 + n)])) } catch let e as JSONValue.ParseError {
            throw fail("header is not valid JSON: \(e.message) at byte \(e.offset)")
        }
        guard case let .object(entries) = json else { throw fail("header is not a JSON object") }
        let dataStart = 8 + n, dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var infos: [HeaderEntry] = []
        for (name, value) in entries {
            if name == "__metadata__" {
                metadata = try headerMetadata(value, fail)
            } else {
                infos.append(try headerEntry(name, value, fail))
            }
        }
        // The data section must be tiled exactly: sorted by offset, each tensor starts where the last ended.
        let byOffset = try tiledByOffset(infos, dataLength: dataLength, fail)
        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for t in infos {
                let tensor = Tensor(uninitialized: t.shape)
                let src = raw.baseAddress! + dataStart + t.begin
                UnsafeMutableRawPointer(tensor.ptr).copyMemory(from: src, byteCount: t.end - t.begin)
                #if _endian(big)
                for i in 0..<tensor.count { tensor.ptr[i] = Float(bitPattern: UInt32(littleEndian: tensor.ptr[i].bitPattern)) }
                #endif
                tensors[t.name] = tensor
            }
        }
        return SafeTensorsFile(tensors: tensors, names: byOffset.map(\.name), metadata: metadata)
    }

    typealias HeaderEntry = (name: String, shape: [Int], begin: Int, end: Int)

    /// `__metadata__`: an object of strings.
    private static func headerMetadata(_ value: JSONValue, _ fail: (String) -> SafeTensorsError) throws -> [String: String] {
        guard case let .object(kv) = value else { throw fail("'__metadata__' must be an object of strings, got \(value.kind)") }
        var metadata: [String: String] = [:]
        for (k, v) in kv {
            guard case let .string(s) = v else { throw fail("metadata '\(k)' must be a string, got \(v.kind)") }
            metadata[k] = s
        }
        return metadata
    }

    /// One tensor's header entry: an F32 dtype, a shape and [begin, end] offsets that match its size.
    private static func headerEntry(_ name: String, _ value: JSONValue, _ fail: (String) -> SafeTensorsError) throws -> HeaderEntry {
        guard case let .object(fields) = value else { throw fail("tensor '\(name)': entry must be an object, got \(value.kind)") }
        var dtype: String?, shape: [Int]?, offsets: [Int]?
        for (k, v) in fields {
            switch k {
            case "dtype":
                guard case let .string(s) = v else { throw fail("tensor '\(name)': 'dtype' must be a string, got \(v.kind)") }
                dtype = s
            case "shape", "data_offsets":
                guard case let .array(a) = v else { throw fail("tensor '\(name)': '\(k)' must be an array, got \(v.kind)") }
                let ints: [Int] = try a.map {
                    guard case let .number(d) = $0, let i = Int(exactly: d), i >= 0 else { throw fail("tensor '\(name)': '\(k)' must hold non-negative integers, got \($0.compact())") }
                    return i
                }
                if k == "shape" { shape = ints } else { offsets = ints }
            default:
                throw fail("tensor '\(name)': unknown field '\(k)' (expected dtype, shape, data_offsets)")
            }
        }
        guard let dtype else { throw fail("tensor '\(name)': missing 'dtype'") }
        guard let shape else { throw fail("tensor '\(name)': missing 'shape'") }
        guard let offsets else { throw fail("tensor '\(name)': missing 'data_offsets'") }
        guard let size = knownDtypes[dtype] else { throw fail("tensor '\(name)': unknown dtype '\(dtype)'") }
        guard dtype == "F32" else { throw fail("tensor '\(name)': dtype \(dtype) is not supported (Tumble reads F32 only)") }
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw fail("tensor '\(name)': 'data_offsets' must be [begin, end] with begin ≤ end, got \(offsets)")
        }
        var elements = 1
        for s in shape {
            let (m, o) = elements.multipliedReportingOverflow(by: s)
            guard !o else { throw fail("tensor '\(name)': shape \(shape) is too large") }
            elements = m
        }
        guard offsets[1] - offsets[0] == elements * size else {
            throw fail("tensor '\(name)': data_offsets \(offsets) span \(offsets[1] - offsets[0]) bytes but shape \(shape) of \(dtype) needs \(elements * size)")
        }
        return (name, shape, offsets[0], offsets[1])
    }

    /// The entries sorted by offset, refusing overlaps, gaps, and a data section of another length.
    private static func tiledByOffset(_ infos: [HeaderEntry], dataLength: Int, _ fail: (String) -> SafeTensorsError) throws -> [HeaderEntry] {
        let byOffset = infos.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for t in byOffset {
            if t.begin < cursor { throw fail("tensor '\(t.name)': data_offsets [\(t.begin), \(t.end)] overlap the previous tensor (which ends at \(cursor))") }
            if t.begin > cursor { throw fail("tensor '\(t.name)': data_offsets [\(t.begin), \(t.end)] leave a gap after byte \(cursor)") }
            cursor = t.end
        }
        guard cursor <= dataLength else {
            throw fail("data section is \(dataLength) bytes but the header needs \(cursor) (truncated?)")
        }
        guard cursor == dataLength else {
            throw fail("data section is \(dataLength) bytes but the header accounts for \(cursor) (trailing bytes)")
        }
        return byOffset
    }
}
