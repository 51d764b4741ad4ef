import Common
import Tensor
import XCTest
@testable import WorldModel

final class TrainingReadoutTests: XCTestCase {
    func testReadoutFitRecoversALinearMapOnBadlyScaledInputs() throws {
        var g = SplitMix64(seed: 11)
        let rows = 600, width = 20, outputs = 3
        var truth = [Float](repeating: 0, count: outputs * width)
        for i in truth.indices { truth[i] = g.nextGaussian() }
        var x = [Float](repeating: 0, count: rows * width), y = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for j in 0..<width { x[r * width + j] = g.nextGaussian() * Float(j + 1) * 0.01 + 3 }   // scales differ 20×, offset
            for o in 0..<outputs {
                var s: Float = 0
                for j in 0..<width { s += truth[o * width + j] * (x[r * width + j] - 3) / (Float(j + 1) * 0.01) }
                y[r * outputs + o] = s
            }
        }
        let w = Tensor.zeros([outputs, width]), b = Tensor.zeros([outputs])
        let r2 = try ReadoutFit.fit(inputs: x, width: width, targets: y, outputs: outputs, l2: 0, iterations: 200, weight: w, bias: b)
        XCTAssertGreaterThan(r2, 0.99)
        // The folded map works on raw inputs.
        let pred = try Tensor.linear(Tensor(Array(x[0..<width]), shape: [1, width]), weight: w, bias: b).scalars
        for o in 0..<outputs { XCTAssertEqual(pred[o], y[o], accuracy: 0.1 * max(1, abs(y[o]))) }
    }

    /// Targets of absent bodies (a placeholder, here 0, with inputs that say nothing of it) are left out of the fit:
    /// the read-out of the rows that exist is recovered exactly, bias included, where fitting the placeholders too
    /// bends it. The held-out R² counts existing targets only.
    func testReadoutFitLeavesOutTheTargetsOfAbsentBodies() throws {
        var g = SplitMix64(seed: 12)
        let rows = 800, width = 6, outputs = 2
        var x = [Float](repeating: 0, count: rows * width), y = [Float](repeating: 0, count: rows * outputs)
        var present = [Bool](repeating: true, count: rows * outputs)
        for r in 0..<rows {
            for j in 0..<width { x[r * width + j] = g.nextGaussian() }
            y[r * outputs] = 2 * x[r * width] - x[r * width + 1] + 5        // always there
            if r % 3 == 0 { present[r * outputs + 1] = false }                // absent: placeholder 0
            else { y[r * outputs + 1] = 3 * x[r * width + 2] + 7 }
        }
        let w = Tensor.zeros([outputs, width]), b = Tensor.zeros([outputs])
        let r2 = try ReadoutFit.fit(inputs: x, width: width, targets: y, outputs: outputs, present: present, l2: 0, iterations: 200,
                                    weight: w, bias: b)
        XCTAssertGreaterThan(r2, 0.9999)
        let weights = w.scalars, bias = b.scalars
        XCTAssertEqual(weights[width + 2], 3, accuracy: 1e-3)
        XCTAssertEqual(bias[1], 7, accuracy: 1e-3)
        XCTAssertEqual(weights[0], 2, accuracy: 1e-3)
        XCTAssertEqual(bias[0], 5, accuracy: 1e-3)
        // Fitting the placeholders too pulls the bias towards them.
        let bent = try ReadoutFit.fit(inputs: x, width: width, targets: y, outputs: outputs, l2: 0, iterations: 200,
                                      weight: Tensor.zeros([outputs, width]), bias: Tensor.zeros([outputs]))
        XCTAssertLessThan(bent, 0.9)
    }

    /// With `standardise`, one shared ridge penalty no longer favours the large features: the signal carried by a
    /// feature 10⁴ times smaller than a noise feature is recovered, where the raw fit shrinks it away. The fit is folded
    /// back into a map on the raw features (checked on a row), for plain and masked fits alike.
    func testStandardisedFitRecoversASmallFeatureAndFoldsIntoRawWeights() throws {
        var g = SplitMix64(seed: 13)
        let rows = 800, width = 3, outputs = 2
        var x = [Float](repeating: 0, count: rows * width), y = [Float](repeating: 0, count: rows * outputs)
        var present = [Bool](repeating: true, count: rows * outputs)
        for r in 0..<rows {
            x[r * width] = g.nextGaussian() * 1e-2 + 0.5        // small, carries the signal
            x[r * width + 1] = g.nextGaussian() * 100           // large, pure noise
            x[r * width + 2] = g.nextGaussian()
            y[r * outputs] = 300 * (x[r * width] - 0.5) + 1
            y[r * outputs + 1] = x[r * width + 2]
            if r % 4 == 0 { present[r * outputs + 1] = false }
        }
        for mask in [nil, present] {
            let raw = try ReadoutFit.fit(inputs: x, width: width, targets: y, outputs: outputs, present: mask, l2: 0.01, iterations: 100,
                                         weight: Tensor.zeros([outputs, width]), bias: Tensor.zeros([outputs]))
            let w = Tensor.zeros([outputs, width]), b = Tensor.zeros([outputs])
            let scaled = try ReadoutFit.fit(inputs: x, width: width, targets: y, outputs: outputs, present: mask, l2: 0.01,
                                            iterations: 100, standardise: true, weight: w, bias: b)
            XCTAssertLessThan(raw, 0.6, "masked: \(mask != nil)")
            XCTAssertGreaterThan(scaled, 0.99, "masked: \(mask != nil)")
            XCTAssertEqual(w.scalars[0], 300, accuracy: 10)      // weights are per raw unit
            let row = 7
            let pred = try Tensor.linear(Tensor(Array(x[(row * width)..<((row + 1) * width)]), shape: [1, width]), weight: w, bias: b).scalars
            XCTAssertEqual(pred[0], y[row * outputs], accuracy: 0.1)
        }
    }
}
