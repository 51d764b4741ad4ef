import Foundation
import XCTest

/// `scripts/angle_ceiling.py` on recorded push episodes: the block's quarter-turn shows in its own pixels, its half-turn
/// does not (its sides come from one range, so which one is its width never shows), which is why push's angle
/// read-out targets (cos 4θ, sin 4θ).
final class AngleCeilingScriptTests: XCTestCase {
    func testPushBlocksQuarterTurnShowsInItsPixelsAndItsHalfTurnDoesNot() throws {
        let python = try XCTUnwrap(TumbleProcess.python, "python3 (with NumPy) is needed for scripts/angle_ceiling.py")
        let dir = try temporaryDirectory("angle-ceiling", for: self)
        let record = try TumbleProcess.tumble(["record", "push", "--out", "push", "--episodes", "48", "--steps", "16", "--seed", "41"],
                                              in: dir)
        XCTAssertSucceeded(record, "tumble record push")
        let script = TumbleProcess.packageRoot.appendingPathComponent("scripts/angle_ceiling.py").path
        func pooledR2(order: Int) throws -> Double {
            let r = try TumbleProcess.run(python, [script, "push", "--order", "\(order)", "--body", "1", "70,130,230"], in: dir)
            XCTAssertSucceeded(r, "angle_ceiling.py --order \(order)")
            let line = try XCTUnwrap(r.stdout.split(separator: "\n").last { $0.hasPrefix("pooled R² ") }, r.output)
            return try XCTUnwrap(Double(line.dropFirst("pooled R² ".count).prefix { $0 != " " }), String(line))
        }
        XCTAssertGreaterThan(try pooledR2(order: 4), 0.9)
        XCTAssertLessThan(try pooledR2(order: 2), 0.2)
    }
}
