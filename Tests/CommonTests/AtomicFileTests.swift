import Common
import Foundation
import XCTest

final class AtomicFileTests: XCTestCase {
    /// A page-aligned buffer of `count` recognisable bytes.
    func withBuffer(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: AtomicFile.directAlignment)
        defer { p.deallocate() }
        for i in 0..<count { p.storeBytes(of: UInt8(truncatingIfNeeded: i &* 7 &+ i >> 12), toByteOffset: i, as: UInt8.self) }
        try body(UnsafeRawBufferPointer(start: p, count: count))
    }

    func testLargeAlignedFilesRoundTripThroughDirectAndBufferedWrites() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let count = 3 << 20 + 123   // direct-I/O body plus an unaligned tail
        try withBuffer(count) { bytes in
            for (name, writer) in [("direct", AtomicFile()), ("buffered", { var w = AtomicFile(); w.directIO = false; return w }())] {
                let path = dir.appendingPathComponent(name).path
                try writer.write(bytes, to: path)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(bytes), name)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
            }
            // Short writes (as a pipe or a nearly full disk gives) are continued until complete.
            var choppy = AtomicFile()
            choppy.writeCall = { fd, p, n in
                let r = write(fd, p, min(n, 10_000))
                return (r, r < 0 ? errno : 0)
            }
            let path = dir.appendingPathComponent("choppy").path
            try choppy.write(bytes, to: path)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(bytes))
        }
    }

    func testAFailedWriteRemovesTheTemporaryFileAndKeepsTheOldFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("file").path
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        var full = AtomicFile()
        var written = 0
        full.writeCall = { fd, p, n in
            if written > 2 << 20 { return (-1, ENOSPC) }
            let r = write(fd, p, min(n, 1 << 20))
            if r > 0 { written += r }
            return (r, r < 0 ? errno : 0)
        }
        try withBuffer(5 << 20) { bytes in
            XCTAssertThrowsError(try full.write(bytes, to: path)) { error in
                XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
                XCTAssertTrue("\(error)".contains("temporary file removed"), "\(error)")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old contents")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["file"])
    }
}

private func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tumble-common-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
