import Foundation
import XCTest
@testable import WorldModel

/// The angle read-out's inputs: a map's mass, centroid and shape orientation.
final class OrientationFeaturesTests: XCTestCase {
    /// One channel of a 16×16 map holding an elongated Gaussian blob at (cx, cy) along `angle` (image axes: y down).
    private func blob(angle: Double, cx: Double, cy: Double, size: Int = 16) -> [Float] {
        var z = [Float](repeating: 0, count: size * size)
        var total: Float = 0
        for y in 0..<size { for x in 0..<size {
            let dx = Double(x) - cx, dy = Double(y) - cy
            let u = dx * cos(angle) + dy * sin(angle), v = -dx * sin(angle) + dy * cos(angle)
            let value = Float(exp(-(u * u) / (2 * 9) - (v * v) / (2 * 1)))
            z[y * size + x] = value; total += value
        } }
        return z.map { $0 / total }
    }

    func testSecondMomentsTrackTwiceTheAngleWhereverTheBlobIs() {
        let features = OrientationFeatures(height: 16, width: 16, channels: 1)
        for angle in stride(from: 0.0, to: .pi, by: .pi / 7) {
            for (cx, cy) in [(7.5, 7.5), (6.5, 8.5)] {
                let f = features(blob(angle: angle, cx: cx, cy: cy), rows: 1)
                XCTAssertEqual(f.count, OrientationFeatures.perChannel)
                XCTAssertEqual(Double(f[0]), 1, accuracy: 1e-4)                            // mass
                XCTAssertEqual(Double(f[1]), (cx - 7.5) / 16 / 1.01, accuracy: 0.01)       // centroid, map widths
                let norm = Double(hypot(f[5], f[6]))
                XCTAssertGreaterThan(norm, 0.5)                                            // clearly elongated
                XCTAssertEqual(Double(f[5]) / norm, cos(2 * angle), accuracy: 0.02, "angle \(angle)")
                XCTAssertEqual(Double(f[6]) / norm, sin(2 * angle), accuracy: 0.02, "angle \(angle)")
            }
        }
    }

    func testARoundBlobHasNoOrientation() {
        let round = blob(angle: 0, cx: 7.5, cy: 7.5).enumerated().map { i, _ -> Float in
            let dx = Float(i % 16) - 7.5, dy = Float(i / 16) - 7.5
            return expf(-(dx * dx + dy * dy) / 8)
        }
        let f = OrientationFeatures(height: 16, width: 16, channels: 1)(round, rows: 1)
        XCTAssertLessThan(abs(f[5]), 1e-3)
        XCTAssertLessThan(abs(f[6]), 1e-3)
    }
}
