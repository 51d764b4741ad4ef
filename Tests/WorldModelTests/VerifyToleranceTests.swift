import Foundation
import Common
import XCTest
@testable import WorldModel

/// `eval --verify` on the shipped report: the README promises that a 1 % change to even the smallest
/// latent error is caught, and that rounding-level differences still pass.
final class VerifyToleranceTests: XCTestCase {
    func shippedReport() throws -> JSONValue {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets/default-model-report.json")
        return try JSONValue.parse(Data(contentsOf: url))
    }

    /// The report with `latent_error.1` multiplied by `factor`.
    func scalingFirstLatentError(_ report: JSONValue, by factor: Double) throws -> JSONValue {
        guard case var .object(top) = report, let i = top.firstIndex(where: { $0.0 == "latent_error" }),
              case var .object(curve) = top[i].1, case let .number(x) = curve[0].1 else {
            throw XCTSkip("the shipped report has no latent_error curve")
        }
        curve[0].1 = .number(x * factor)
        top[i].1 = .object(curve)
        return .object(top)
    }

    func testFivePercentChangeToTheSmallestLatentErrorFails() throws {
        let stored = try shippedReport()
        XCTAssertLessThan(try XCTUnwrap(stored["latent_error"]?["1"]?.doubleValue), 1e-4, "the trial needs a tiny value")
        let verifier = ReportVerifier()
        for factor in [1.05, 1.01] {
            let outcome = verifier.compare(stored: stored, rerun: try scalingFirstLatentError(stored, by: factor))
            XCTAssertEqual(outcome.differences.count, 1, "× \(factor)")
            XCTAssertTrue(outcome.differences.first?.hasPrefix("latent_error.1: report ") ?? false, "\(outcome.differences)")
        }
        let rounding = verifier.compare(stored: stored, rerun: try scalingFirstLatentError(stored, by: 1 + 1e-6))
        XCTAssertEqual(rounding.differences, [])
        XCTAssertEqual(rounding.withinTolerance, 1)
    }
}
