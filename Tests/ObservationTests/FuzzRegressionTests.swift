import Foundation
import XCTest
@testable import Observation

/// Inputs found by `scripts/fuzz` (kept in Fuzz/regressions/): each must stay a clear error.
final class FuzzRegressionTests: XCTestCase {
    func regression(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions/\(name)"))
    }

    /// A deflated entry claiming 4 GB from 4 KB: inflating allocated the claim first (libFuzzer: out-of-memory).
    func testADeflatedEntryClaimingMoreThanDeflateCanExpandIsRefused() throws {
        let data = try regression("npz-inflate-claims-4GB.npz")
        XCTAssertThrowsError(try data.withUnsafeBytes { try NPZFile.read(bytes: $0, file: "hostile.npz") }) {
            XCTAssertTrue("\($0)".contains("more than deflate can expand to (1032×)"), "\($0)")
        }
    }

    /// A zip64 extra field whose local-header offset is 2^64 − 1 (−1 as a signed offset): refused, not read at −1.
    func testAZip64LocalHeaderOffsetOutsideTheFileIsRefused() throws {
        var z = [UInt8]()
        func u16(_ v: Int) { z += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) { for i in 0..<4 { z.append(UInt8(v >> (8 * UInt32(i)) & 0xFF)) } }
        func u64(_ v: UInt64) { for i in 0..<8 { z.append(UInt8(v >> (8 * UInt64(i)) & 0xFF)) } }
        let name = Array("a.npy".utf8)
        // Central directory entry: stored, sizes 0, local offset 0xFFFFFFFF deferred to a zip64 extra field.
        u32(0x0201_4B50); u16(45); u16(45); u16(0); u16(0); u16(0); u16(0); u32(0); u32(0); u32(0)
        u16(name.count); u16(12); u16(0); u16(0); u16(0); u32(0); u32(0xFFFF_FFFF)
        z += name
        u16(1); u16(8); u64(UInt64.max)
        let cdSize = z.count
        // End of central directory: one entry, the directory at offset 0.
        u32(0x0605_4B50); u16(0); u16(0); u16(1); u16(1); u32(UInt32(cdSize)); u32(0); u16(0)
        XCTAssertThrowsError(try z.withUnsafeBytes { try NPZFile.read(bytes: $0, file: "hostile.npz") }) {
            XCTAssertTrue("\($0)".contains("a.npy: local header offset -1 lies outside the file (\(z.count) bytes)"), "\($0)")
        }
    }

    /// A zip64 extra field too short for the 64-bit sizes its entry says it holds: the reader read past the end
    /// of the file (libFuzzer: Swift's bounds trap in `ZipReader`).
    func testAZip64ExtraFieldShorterThanItsSizesIsRefused() throws {
        let data = try regression("npz-zip64-extra-short.npz")
        XCTAssertThrowsError(try data.withUnsafeBytes { try NPZFile.read(bytes: $0, file: "hostile.npz") }) {
            XCTAssertTrue("\($0)".contains("hostile.npz"), "\($0)")
            XCTAssertTrue("\($0)".contains("zip64 extra field is shorter than the sizes it must hold"), "\($0)")
        }
    }
}
