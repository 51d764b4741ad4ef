import Common
import Dispatch
import Foundation

/// One array read from an `.npy` inside an `.npz`: shape plus typed values in C order.
public struct NPYArray: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case uint8([UInt8]), bool([Bool]), int32([Int32]), int64([Int64]), float32([Float])
        case unicode([String], width: Int)
    }
    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    public var type: NPYType {
        switch values {
        case .uint8: return .uint8
        case .bool: return .bool
        case .int32: return .int32
        case .int64: return .int64
        case .float32: return .float32
        case .unicode(_, let width): return .unicode(width)
        }
    }

    public var count: Int { shape.reduce(1, *) }

    public var uint8s: [UInt8]? { if case .uint8(let v) = values { return v }; return nil }
    public var bools: [Bool]? { if case .bool(let v) = values { return v }; return nil }
    public var int32s: [Int32]? { if case .int32(let v) = values { return v }; return nil }
    public var int64s: [Int64]? { if case .int64(let v) = values { return v }; return nil }
    public var float32s: [Float]? { if case .float32(let v) = values { return v }; return nil }
    public var strings: [String]? { if case .unicode(let v, _) = values { return v }; return nil }

    /// Decodes an `.npy` held in memory; `file` and `field` name it in errors.
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String, field: String) throws -> NPYArray {
        let h = try NPY.parse(bytes, file: file, field: field)
        let data = UnsafeRawBufferPointer(rebasing: bytes[h.dataOffset...])
        let n = h.count
        func copy<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: n) { dst, initialized in
                if n > 0 { memcpy(dst.baseAddress!, data.baseAddress!, n * MemoryLayout<T>.stride) }
                initialized = n
            }
        }
        switch h.type {
        case .uint8: return NPYArray(shape: h.shape, values: .uint8(copy(UInt8.self)))
        case .bool:
            for i in 0..<n where data[i] > 1 {
                throw DatasetError(file: file, field: field, problem: "bool element \(i) holds \(data[i]) (expected 0 or 1)")
            }
            return NPYArray(shape: h.shape, values: .bool(data.prefix(n).map { $0 != 0 }))
        case .int32: return NPYArray(shape: h.shape, values: .int32(copy(Int32.self)))
        case .int64: return NPYArray(shape: h.shape, values: .int64(copy(Int64.self)))
        case .float32: return NPYArray(shape: h.shape, values: .float32(copy(Float.self)))
        case .unicode(let width):
            var strings: [String] = []
            strings.reserveCapacity(n)
            for i in 0..<n {
                var scalars = String.UnicodeScalarView()
                for k in 0..<width {
                    let u = data.loadUnaligned(fromByteOffset: (i * width + k) * 4, as: UInt32.self)
                    if u == 0 { break }
                    guard let s = Unicode.Scalar(u) else {
                        throw DatasetError(file: file, field: field, problem: "element \(i) is not valid UTF-32")
                    }
                    scalars.append(s)
                }
                strings.append(String(scalars))
            }
            return NPYArray(shape: h.shape, values: .unicode(strings, width: width))
        }
    }
}

/// Reads `.npz` archives (what `numpy.savez` and Tumble's recorder write) into named arrays.
public enum NPZFile {
    /// All arrays of the archive at `url`, keyed by name without the `.npy` suffix.
    public static func read(_ url: URL) throws -> [String: NPYArray] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: url.path, field: "", problem: "cannot be read (\(error.localizedDescription))")
        }
        return try data.withUnsafeBytes { try read(bytes: $0, file: url.path) }
    }

    /// All arrays of an archive held in memory; `file` names it in errors.
    public static func read(bytes: UnsafeRawBufferPointer, file: String) throws -> [String: NPYArray] {
        let zip = try ZipReader(bytes, file: file)
        var out: [String: NPYArray] = [:]
        for entry in zip.entries {
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            guard out[key] == nil else {
                throw DatasetError(file: file, field: key, problem: "array appears twice in the archive")
            }
            out[key] = try zip.withContents(of: entry) { try NPYArray.decode($0, file: file, field: key) }
        }
        return out
    }
}

/// An `.npz` file laid out in one 64-byte-aligned buffer so that arrays are filled in place.
///
/// Shard recording writes frames, states and labels straight into their final position in the file
/// image; `seal()` then computes the CRCs (in parallel) and writes the zip records. The buffer is
/// reused across shards of a recording, so memory is bounded by one shard.
final class NPZImage {
    struct ArraySpec: Equatable {
        var name: String
        var type: NPYType
        var shape: [Int]
        var byteCount: Int { shape.reduce(1, *) * type.itemSize }
    }

    private(set) var arrays: [ArraySpec] = []
    private(set) var layout = StoredZipLayout(entries: [])
    private var headerSizes: [Int] = []
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0

    init(arrays: [ArraySpec], forceZip64: Bool = false) {
        relayout(arrays: arrays, forceZip64: forceZip64)
    }

    deinit { buffer?.deallocate() }

    /// Plans the archive for `arrays`, growing the buffer if needed, and zeroes it so every byte of
    /// the file is defined even if a producer leaves part of an array untouched.
    func relayout(arrays: [ArraySpec], forceZip64: Bool = false) {
        self.arrays = arrays
        let headers = arrays.map { NPY.header(type: $0.type, shape: $0.shape) }
        headerSizes = headers.map(\.count)
        layout = StoredZipLayout(
            entries: zip(arrays, headers).map { (name: $0.name + ".npy", size: $1.count + $0.byteCount) },
            forceZip64: forceZip64)
        if layout.totalSize > capacity || buffer == nil {
            buffer?.deallocate()
            capacity = max(layout.totalSize, 64)
            // Page-aligned so the file writer can hand the whole image to the disk with O_DIRECT.
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: AtomicFile.directAlignment)
        }
        memset(buffer!, 0, layout.totalSize)
        for (entry, header) in zip(layout.entries, headers) {
            (buffer! + entry.dataOffset).copyMemory(from: header, byteCount: header.count)
        }
    }

    /// The whole file, valid after `seal()`.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: layout.totalSize) }

    /// Where array `name`'s elements go (C order), aligned to 64 bytes.
    func data(_ name: String) -> UnsafeMutableRawBufferPointer {
        guard let i = arrays.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("NPZImage: no array named \(name)")
        }
        let start = layout.entries[i].dataOffset + headerSizes[i]
        return UnsafeMutableRawBufferPointer(start: buffer! + start, count: arrays[i].byteCount)
    }

    func typed<T>(_ name: String, as: T.Type) -> UnsafeMutableBufferPointer<T> {
        let raw = data(name)
        return raw.bindMemory(to: T.self)
    }

    /// Computes each entry's CRC-32 (pieces in parallel, combined with zlib) and writes the zip records.
    func seal() {
        let piece = 4 << 20
        var jobs: [(entry: Int, range: Range<Int>)] = []
        for (i, e) in layout.entries.enumerated() {
            var o = e.dataOffset
            let end = e.dataOffset + e.size
            repeat {
                let n = min(piece, end - o)
                jobs.append((i, o..<(o + n)))
                o += n
            } while o < end
        }
        var crcs = [UInt32](repeating: 0, count: jobs.count)
        let base = UnsafeRawPointer(buffer!)
        crcs.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
                let r = jobs[j].range
                outBase[j] = crc32Of(UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count))
            }
        }
        var entryCRC = [UInt32](repeating: 0, count: layout.entries.count)
        var started = [Bool](repeating: false, count: layout.entries.count)
        for (j, job) in jobs.enumerated() {
            if started[job.entry] {
                entryCRC[job.entry] = crc32Combined(entryCRC[job.entry], crcs[j], lengthOfB: job.range.count)
            } else {
                entryCRC[job.entry] = crcs[j]
                started[job.entry] = true
            }
        }
        layout.writeRecords(into: UnsafeMutableRawBufferPointer(start: buffer, count: layout.totalSize), crcs: entryCRC)
    }
}
