import CZlib
import Foundation

/// The byte layout of a zip archive of stored (uncompressed) entries, planned before any data exists.
///
/// A shard is built in one buffer: its layout is fixed from the array sizes, producers write array
/// data in place, and only the CRCs are filled in at the end. Each entry's data starts on a 64-byte
/// boundary (padding goes in a local-header extra field, as Android's zipalign does), so typed writes
/// into the buffer are aligned. Zip64 records are used where a size or offset needs them.
struct StoredZipLayout: Equatable {
    struct Entry: Equatable {
        var name: String
        var size: Int
        var headerOffset: Int
        var dataOffset: Int
        /// Sizes do not fit in 32 bits (or zip64 is forced): local and central zip64 extras hold them.
        var zip64Sizes: Bool
        /// The local header offset does not fit in 32 bits: the central zip64 extra holds it.
        var zip64Offset: Bool
        var dataRange: Range<Int> { dataOffset..<(dataOffset + size) }
    }

    static let alignment = 64
    static let max32 = 0xFFFF_FFFF
    /// DOS date 1980-01-01, time 00:00: fixed so archives are byte-identical across runs.
    static let dosDate: UInt16 = 0x21, dosTime: UInt16 = 0

    var entries: [Entry] = []
    var centralDirectoryOffset = 0
    var centralDirectorySize = 0
    var zip64Archive = false
    var totalSize = 0

    init(entries list: [(name: String, size: Int)], forceZip64: Bool = false) {
        var offset = 0
        for (name, size) in list {
            let zip64Sizes = forceZip64 || size >= Self.max32
            let zip64Offset = forceZip64 || offset >= Self.max32
            let fixed = offset + 30 + name.utf8.count + (zip64Sizes ? 20 : 0)
            var pad = (Self.alignment - fixed % Self.alignment) % Self.alignment
            if pad > 0 && pad < 4 { pad += Self.alignment }
            let dataOffset = fixed + pad
            entries.append(Entry(name: name, size: size, headerOffset: offset, dataOffset: dataOffset,
                                 zip64Sizes: zip64Sizes, zip64Offset: zip64Offset))
            offset = dataOffset + size
        }
        centralDirectoryOffset = offset
        for e in entries {
            let extra = (e.zip64Sizes ? 16 : 0) + (e.zip64Offset ? 8 : 0)
            centralDirectorySize += 46 + e.name.utf8.count + (extra > 0 ? 4 + extra : 0)
        }
        zip64Archive = forceZip64 || entries.contains { $0.zip64Sizes || $0.zip64Offset }
            || centralDirectoryOffset >= Self.max32 || centralDirectorySize >= Self.max32 || entries.count >= 0xFFFF
        totalSize = centralDirectoryOffset + centralDirectorySize + (zip64Archive ? 56 + 20 : 0) + 22
    }

    /// Writes every header, the central directory and the end records into `buffer` (the whole
    /// archive, `totalSize` bytes); entry data is left as the producers wrote it.
    func writeRecords(into buffer: UnsafeMutableRawBufferPointer, crcs: [UInt32]) {
        precondition(buffer.count >= totalSize && crcs.count == entries.count)
        var w = ByteWriter(buffer)
        for (e, crc) in zip(entries, crcs) {
            w.offset = e.headerOffset
            let localExtra = (e.zip64Sizes ? 20 : 0)
            let pad = e.dataOffset - (e.headerOffset + 30 + e.name.utf8.count + localExtra)
            w.u32(0x0403_4B50)
            w.u16(e.zip64Sizes ? 45 : 20)  // version needed
            w.u16(0)                       // flags
            w.u16(0)                       // stored
            w.u16(Self.dosTime); w.u16(Self.dosDate)
            w.u32(crc)
            w.u32(e.zip64Sizes ? UInt32(Self.max32) : UInt32(e.size))
            w.u32(e.zip64Sizes ? UInt32(Self.max32) : UInt32(e.size))
            w.u16(UInt16(e.name.utf8.count))
            w.u16(UInt16(localExtra + pad))
            w.bytes(Array(e.name.utf8))
            if e.zip64Sizes {
                w.u16(0x0001); w.u16(16)
                w.u64(UInt64(e.size)); w.u64(UInt64(e.size))
            }
            if pad > 0 {
                w.u16(0xD935); w.u16(UInt16(pad - 4))
                w.zeros(pad - 4)
            }
            assert(w.offset == e.dataOffset)
        }
        w.offset = centralDirectoryOffset
        for (e, crc) in zip(entries, crcs) {
            let extra = (e.zip64Sizes ? 16 : 0) + (e.zip64Offset ? 8 : 0)
            let needed: UInt16 = (e.zip64Sizes || e.zip64Offset) ? 45 : 20
            w.u32(0x0201_4B50)
            w.u16(0x0300 | needed)  // made by: Unix
            w.u16(needed)
            w.u16(0); w.u16(0)
            w.u16(Self.dosTime); w.u16(Self.dosDate)
            w.u32(crc)
            w.u32(e.zip64Sizes ? UInt32(Self.max32) : UInt32(e.size))
            w.u32(e.zip64Sizes ? UInt32(Self.max32) : UInt32(e.size))
            w.u16(UInt16(e.name.utf8.count))
            w.u16(UInt16(extra > 0 ? 4 + extra : 0))
            w.u16(0)                 // comment
            w.u16(0)                 // disk
            w.u16(0)                 // internal attributes
            w.u32(0o100644 << 16)    // external attributes: regular file, rw-r--r--
            w.u32(e.zip64Offset ? UInt32(Self.max32) : UInt32(e.headerOffset))
            w.bytes(Array(e.name.utf8))
            if extra > 0 {
                w.u16(0x0001); w.u16(UInt16(extra))
                if e.zip64Sizes { w.u64(UInt64(e.size)); w.u64(UInt64(e.size)) }
                if e.zip64Offset { w.u64(UInt64(e.headerOffset)) }
            }
        }
        let count = entries.count
        if zip64Archive {
            let eocd64 = w.offset
            w.u32(0x0606_4B50)
            w.u64(44)
            w.u16(0x032D); w.u16(45)
            w.u32(0); w.u32(0)
            w.u64(UInt64(count)); w.u64(UInt64(count))
            w.u64(UInt64(centralDirectorySize)); w.u64(UInt64(centralDirectoryOffset))
            w.u32(0x0706_4B50)
            w.u32(0)
            w.u64(UInt64(eocd64))
            w.u32(1)
        }
        w.u32(0x0605_4B50)
        w.u16(0); w.u16(0)
        w.u16(zip64Archive ? 0xFFFF : UInt16(count))
        w.u16(zip64Archive ? 0xFFFF : UInt16(count))
        w.u32(zip64Archive ? UInt32(Self.max32) : UInt32(centralDirectorySize))
        w.u32(zip64Archive ? UInt32(Self.max32) : UInt32(centralDirectoryOffset))
        w.u16(0)
        assert(w.offset == totalSize)
    }
}

/// Little-endian writes at a cursor.
struct ByteWriter {
    var buffer: UnsafeMutableRawBufferPointer
    var offset = 0
    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }
    mutating func u16(_ v: UInt16) { buffer.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt16.self); offset += 2 }
    mutating func u32(_ v: UInt32) { buffer.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self); offset += 4 }
    mutating func u64(_ v: UInt64) { buffer.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self); offset += 8 }
    mutating func bytes(_ b: [UInt8]) {
        for (i, x) in b.enumerated() { buffer[offset + i] = x }
        offset += b.count
    }
    mutating func zeros(_ n: Int) {
        for i in 0..<n { buffer[offset + i] = 0 }
        offset += n
    }
}

/// CRC-32 (zlib) of a byte range, in pieces small enough for zlib's 32-bit lengths.
func crc32Of(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
    var crc = UInt(seed)
    var offset = 0
    let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    while offset < bytes.count {
        let n = min(bytes.count - offset, 1 << 30)
        crc = crc32(crc, base! + offset, UInt32(n))
        offset += n
    }
    return UInt32(truncatingIfNeeded: crc)
}

/// CRC of A followed by B, from CRC(A), CRC(B) and B's length.
func crc32Combined(_ a: UInt32, _ b: UInt32, lengthOfB: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: crc32_combine(UInt(a), UInt(b), off_t(lengthOfB)))
}

/// Reads the entries of a zip archive held in memory: stored or deflated, zip64 aware, CRC checked.
struct ZipReader {
    struct Entry {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var dataOffset: Int
    }

    let file: String
    let bytes: UnsafeRawBufferPointer
    private(set) var entries: [Entry] = []

    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        self.bytes = bytes
        self.file = file
        func fail(_ field: String, _ problem: String) -> DatasetError { DatasetError(file: file, field: field, problem: problem) }
        let n = bytes.count
        guard n >= 22 else { throw fail("zip", "too short to be a zip archive (\(n) bytes)") }
        var eocd = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65535) {
            if u32(i) == 0x0605_4B50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("zip", "no end-of-central-directory record: not a zip archive, or truncated") }
        var count = Int(u16(eocd + 10))
        var cdSize = Int(u32(eocd + 12))
        var cdOffset = Int(u32(eocd + 16))
        if eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let at = Int(truncatingIfNeeded: u64(eocd - 20 + 8))
            guard at >= 0, at <= n - 56, u32(at) == 0x0606_4B50 else { throw fail("zip64", "zip64 locator points to no zip64 end record") }
            count = Int(truncatingIfNeeded: u64(at + 32))
            cdSize = Int(truncatingIfNeeded: u64(at + 40))
            cdOffset = Int(truncatingIfNeeded: u64(at + 48))
        }
        guard count >= 0, cdOffset >= 0, cdSize >= 0, cdOffset <= n, cdSize <= n - cdOffset else { throw fail("zip", "central directory lies outside the file (truncated?)") }
        var p = cdOffset
        for k in 0..<count {
            guard p + 46 <= n, u32(p) == 0x0201_4B50 else { throw fail("zip", "central directory entry \(k) is damaged") }
            let method = u16(p + 10)
            let crc = u32(p + 16)
            var csize = Int(u32(p + 20)), usize = Int(u32(p + 24))
            let nameLen = Int(u16(p + 28)), extraLen = Int(u16(p + 30)), commentLen = Int(u16(p + 32))
            var local = Int(u32(p + 42))
            guard p + 46 + nameLen + extraLen + commentLen <= n else { throw fail("zip", "central directory entry \(k) is truncated") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let id = u16(e), len = Int(u16(e + 2))
                if id == 0x0001 {
                    var q = e + 4
                    let end = e + 4 + len
                    guard end <= extraEnd else { throw fail(name, "zip64 extra field is truncated") }
                    // Each 8-byte value is there only for a 32-bit field that says so, and must fit in the field.
                    func next() throws -> Int {
                        guard q + 8 <= end else { throw fail(name, "zip64 extra field is shorter than the sizes it must hold") }
                        defer { q += 8 }
                        return Int(truncatingIfNeeded: u64(q))
                    }
                    if usize == StoredZipLayout.max32 { usize = try next() }
                    if csize == StoredZipLayout.max32 { csize = try next() }
                    if local == StoredZipLayout.max32 { local = try next() }
                }
                e += 4 + len
            }
            guard local >= 0, local <= n - 30 else { throw fail(name, "local header offset \(local) lies outside the file (\(n) bytes)") }
            guard u32(local) == 0x0403_4B50 else { throw fail(name, "local header is missing or damaged") }
            let dataOffset = local + 30 + Int(u16(local + 26)) + Int(u16(local + 28))
            guard csize >= 0, usize >= 0, csize <= n - dataOffset else { throw fail(name, "entry data runs past the end of the file (truncated?)") }
            // Inflating allocates the claimed size first: a 4 GB claim from 4 KB was found by fuzzing.
            guard method != 8 || usize / 1032 <= csize else {
                throw fail(name, "claims \(usize) bytes inflated from \(csize), more than deflate can expand to (1032×)")
            }
            guard method == 0 || method == 8 else { throw fail(name, "unsupported zip compression method \(method) (expected stored or deflate)") }
            entries.append(Entry(name: name, method: method, crc: crc, compressedSize: csize, size: usize, dataOffset: dataOffset))
            p += 46 + nameLen + extraLen + commentLen
        }
    }

    /// The uncompressed bytes of `entry`, CRC-checked. Stored entries are handed to `body` in place.
    func withContents<R>(of entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
        if entry.method == 0 {
            guard entry.compressedSize == entry.size else {
                throw DatasetError(file: file, field: entry.name, problem: "stored entry sizes disagree")
            }
            try checkCRC(raw, entry)
            return try body(raw)
        }
        var out = [UInt8](repeating: 0, count: entry.size)
        try out.withUnsafeMutableBytes { dst in try inflateRaw(raw, into: dst, entry: entry) }
        return try out.withUnsafeBytes { buf in
            try checkCRC(buf, entry)
            return try body(buf)
        }
    }

    private func checkCRC(_ data: UnsafeRawBufferPointer, _ entry: Entry) throws {
        let crc = crc32Of(data)
        guard crc == entry.crc else {
            throw DatasetError(file: file, field: entry.name, problem: String(format: "CRC-32 mismatch (stored %08x, computed %08x): the file is corrupt", entry.crc, crc))
        }
    }

    private func inflateRaw(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, entry: Entry) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file: file, field: entry.name, problem: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(src.count)
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(dst.count)
        let status = inflate(&stream, Z_FINISH)
        guard status == Z_STREAM_END, Int(stream.total_out) == dst.count else {
            throw DatasetError(file: file, field: entry.name, problem: "deflate data is damaged (zlib status \(status))")
        }
    }

    private func u16(_ o: Int) -> UInt16 { UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 }
    private func u32(_ o: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) } }
    private func u64(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
}
