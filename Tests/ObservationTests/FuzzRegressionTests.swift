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
}
