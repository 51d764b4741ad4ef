import Common
import Foundation
import XCTest
@testable import WorldModel

/// `tumble train --profile` accounts for the steps' wall time by phase and by op.
final class TrainingProfileTests: XCTestCase {
    func testProfileAccountsForTheStepsByPhaseAndOp() throws {
        let dir = ToyBounce.temporaryDirectory("profile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let summary = try Trainer.train(TrainOptions(data: .scene("toy"), run: dir, config: try ToyBounce.config(["train.steps=4"]), quiet: true,
                                           profile: true),
                              source: ToyBounce.liveSource(seedBase: 5))
        // bench's figure: the loop alone, so faster than the whole run (start-up and read-out refit excluded).
        XCTAssertGreaterThan(summary.loopFramesPerSecond, summary.framesPerSecond)
        let profile = try JSONValue.parse(try Data(contentsOf: RunDirectory(dir).profile))
        XCTAssertEqual(profile["steps"]?.doubleValue, 4)
        XCTAssertGreaterThan(try XCTUnwrap(profile["ms_per_step"]?.doubleValue), 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(profile["phase_share"]?.doubleValue), 0.95)
        XCTAssertLessThanOrEqual(try XCTUnwrap(profile["phase_share"]?.doubleValue), 1.0001)
        // The toy's ops take microseconds, so the glue between them is a visible share here (on the shipped
        // config named ops hold over 99 %).
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(profile["op_share"]?.doubleValue), 0.5)
        guard case let .object(phases)? = profile["phases"] else { return XCTFail("profile.json has no phases") }
        let names = Set(phases.map(\.0))
        for phase in ["data", "forward", "heads", "backward", "optimiser", "logging"] { XCTAssertTrue(names.contains(phase), "phase \(phase)") }
        // The spans name real ops of the model, each in its phase, and add up to the phases.
        let spans = try XCTUnwrap(profile["spans"]?.arrayValue)
        let ops = Set(spans.compactMap { s in s["phase"]?.stringValue.flatMap { p in s["op"]?.stringValue.map { "\(p)/\($0)" } } })
        XCTAssertTrue(ops.contains { $0.hasPrefix("forward/conv") }, "a forward conv span in \(ops)")
        XCTAssertTrue(ops.contains { $0.hasPrefix("backward/conv") }, "a backward conv span")
        XCTAssertTrue(ops.contains("optimiser/AdamW main"))
        let spanTotal = spans.compactMap { $0["ms_per_step"]?.doubleValue }.reduce(0, +)
        let phaseTotal = phases.compactMap { $0.1.doubleValue }.reduce(0, +)
        XCTAssertEqual(spanTotal, phaseTotal, accuracy: 1e-6 * max(phaseTotal, 1))
    }
}
