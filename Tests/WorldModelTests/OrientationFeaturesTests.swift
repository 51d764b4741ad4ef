import Foundation
import Tensor
import XCTest
@testable import WorldModel

/// The angle read-out's inputs: a map's mass, centroid and shape orientation.
final class OrientationFeaturesTests: XCTestCase {
    /// One channel of a 16×16 map holding an elongated Gaussian blob at (cx, cy) along `angle` (image axes: y down).
    private func blob(angle: Double, cx: Double, cy: Double, size: Int = 16, along: Double = 9) -> [Float] {
        var z = [Float](repeating: 0, count: size * size)
        var total: Float = 0
        for y in 0..<size { for x in 0..<size {
            let dx = Double(x) - cx, dy = Double(y) - cy
            let u = dx * cos(angle) + dy * sin(angle), v = -dx * sin(angle) + dy * cos(angle)
            let value = Float(exp(-(u * u) / (2 * along) - (v * v) / (2 * 1)))
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

    /// Two channels: an elongated blob and a longer one, each along `angle`.
    private func pair(angle: Double, cx: Double, cy: Double) -> [Float] {
        let a = blob(angle: angle, cx: cx, cy: cy, along: 4), b = blob(angle: angle, cx: 16 - cx, cy: 16 - cy, along: 20)
        var z = [Float](repeating: 0, count: 16 * 16 * 2)
        for cell in 0..<256 { z[cell * 2] = a[cell]; z[cell * 2 + 1] = b[cell] }
        return z
    }

    func testProjectionsGiveEachShapesDirectionWhateverItsSizeAndItsProductsWithEveryCentroid() {
        let plain = OrientationFeatures(height: 16, width: 16, channels: 2)
        let features = OrientationFeatures(height: 16, width: 16, channels: 2, projections: true)
        let f = OrientationFeatures.perChannel, k = OrientationFeatures.perChannelDirection
        XCTAssertEqual(features.count, 2 * f + 2 * k + 4 * 2 * 2)
        for angle in stride(from: 0.0, to: .pi, by: .pi / 5) {
            let z = pair(angle: angle, cx: 6.5, cy: 7.5)
            let x = features(z, rows: 1)
            XCTAssertEqual(Array(x[0..<(2 * f)]), plain(z, rows: 1), "the moments come first, unchanged")
            for ch in 0..<2 {
                let d = Array(x[(2 * f + ch * k)..<(2 * f + ch * k + k)])
                XCTAssertEqual(Double(d[0]), cos(2 * angle), accuracy: 0.03, "channel \(ch), angle \(angle)")
                XCTAssertEqual(Double(d[1]), sin(2 * angle), accuracy: 0.03, "channel \(ch), angle \(angle)")
            }
            // The raw normalised moments differ between the two sizes; the directions do not.
            XCTAssertGreaterThan(abs(hypot(x[5], x[6]) - hypot(x[f + 5], x[f + 6])), 0.1)
            let products = 2 * f + 2 * k
            for i in 0..<2 { for j in 0..<2 {
                let cos2 = x[2 * f + i * k], sin2 = x[2 * f + i * k + 1], cx = x[j * f + 1], cy = x[j * f + 2]
                XCTAssertEqual(Array(x[(products + (i * 2 + j) * 4)..<(products + (i * 2 + j) * 4 + 4)]),
                               [cos2 * cx, cos2 * cy, sin2 * cx, sin2 * cy])
            } }
        }
    }

    func testARoundBlobHasNoDirection() {
        var round = [Float](repeating: 0, count: 256)
        for i in 0..<256 { let dx = Float(i % 16) - 7.5, dy = Float(i / 16) - 7.5; round[i] = expf(-(dx * dx + dy * dy) / 8) }
        let total = round.reduce(0, +)
        let x = OrientationFeatures(height: 16, width: 16, channels: 1, projections: true)(round.map { $0 / total }, rows: 1)
        let d = OrientationFeatures.perChannel
        XCTAssertLessThan(abs(x[d]), 0.05)
        XCTAssertLessThan(abs(x[d + 1]), 0.05)
    }

    func testTheAngleReadOutOfAConfigWithProjectionsReadsThemAndItsCheckpointKeepsThem() throws {
        var data = ToyBounce.description()
        data.orientationSymmetry = Array(repeating: 2, count: data.bodies)
        let config = try ToyBounce.config(["probe.angle_features=projections"])
        let network = try WorldNetwork(config: config, info: ModelInfo(data: data))
        let features = try XCTUnwrap(network.heads.orientation)
        XCTAssertTrue(features.projections)
        XCTAssertEqual(try XCTUnwrap(network.heads.readoutAngle).weight.shape, [2 * data.bodies, features.count])
        let plain = try WorldNetwork(config: ToyBounce.config(), info: ModelInfo(data: data))
        XCTAssertLessThan(try XCTUnwrap(plain.heads.readoutAngle).weight.shape[1], features.count)
        let contents = ModelCheckpoint.Contents(config: config, info: network.info, step: 0, seeds: .list([]), dataRNG: 0, tensorRNG: RNG(seed: 1))
        let read = try ModelCheckpoint.readContents(ModelCheckpoint.encode(contents, network: network, optimizers: Optimizers(network: network, config: config)),
                                                    path: "projections")
        XCTAssertEqual(read.config.probeAngleFeatures, AngleFeatures.projections)
        XCTAssertEqual(try XCTUnwrap(WorldNetwork(config: read.config, info: read.info).heads.orientation).count, features.count)
    }

    /// A small square (4 cells a side, a quarter of the map's width) on a faint floor over the whole map, as a softmax mask
    /// leaves one: the floor's far cells decide the 4th moment unless a window keeps the moment near the shape.
    private func squareOnFloor(angle: Double, floor: Float = 1e-3) -> [Float] {
        let cx = 7.3, cy = 8.1, side = 4.0, samples = 8
        var z = [Float](repeating: 0, count: 256)
        for cell in 0..<256 {
            var inside = 0
            for sy in 0..<samples { for sx in 0..<samples {
                let px = Double(cell % 16) + (Double(sx) + 0.5) / Double(samples) - 0.5 - cx
                let py = Double(cell / 16) + (Double(sy) + 0.5) / Double(samples) - 0.5 - cy
                let u = px * cos(angle) + py * sin(angle), v = -px * sin(angle) + py * cos(angle)
                if abs(u) <= side / 2 && abs(v) <= side / 2 { inside += 1 }
            } }
            z[cell] = Float(inside) / Float(samples * samples)
        }
        let shape = z.reduce(0, +)
        let floored = z.map { $0 / shape + floor }, total = floored.reduce(0, +)
        return floored.map { $0 / total }
    }

    func testAWindowKeepsASmallSquaresQuarterTurnAboveTheMasksFloor() {
        let windowed = OrientationFeatures(height: 16, width: 16, channels: 1, window: 2)
        let whole = OrientationFeatures(height: 16, width: 16, channels: 1)
        var wholeWorst = 0.0
        for k in 0..<8 {
            let angle = Double(k) * .pi / 16                                   // a quarter turn in eight steps
            let z = squareOnFloor(angle: angle)
            // A square's μ₄ points along 4θ + π (its axis-aligned real part is negative).
            func error(_ f: [Float]) -> Double {
                let d = atan2(Double(f[10]), Double(f[9])) - (4 * angle + .pi)
                return abs(atan2(sin(d), cos(d)))
            }
            XCTAssertLessThan(error(windowed(z, rows: 1)), 0.05, "angle \(angle)")
            wholeWorst = max(wholeWorst, error(whole(z, rows: 1)))
            // Mass and centroid do not depend on the window.
            XCTAssertEqual(Array(windowed(z, rows: 1)[0..<3]), Array(whole(z, rows: 1)[0..<3]))
        }
        XCTAssertGreaterThan(wholeWorst, 1.5)                                  // without it the floor's square decides
        // Without a floor both agree on the direction.
        let clean = squareOnFloor(angle: 0.3, floor: 0)
        let a = windowed(clean, rows: 1), b = whole(clean, rows: 1)
        XCTAssertEqual(atan2(Double(a[10]), Double(a[9])), atan2(Double(b[10]), Double(b[9])), accuracy: 0.05)
    }

    func testTheWindowIsAConfigKeyTheCheckpointKeeps() throws {
        var data = ToyBounce.description()
        data.orientationSymmetry = Array(repeating: 4, count: data.bodies)
        let config = try ToyBounce.config(["probe.angle_window=2"])
        let network = try WorldNetwork(config: config, info: ModelInfo(data: data))
        XCTAssertEqual(try XCTUnwrap(network.heads.orientation).window, 2)
        XCTAssertEqual(try XCTUnwrap(WorldNetwork(config: ToyBounce.config(), info: ModelInfo(data: data)).heads.orientation).window, 0)
        let contents = ModelCheckpoint.Contents(config: config, info: network.info, step: 0, seeds: .list([]), dataRNG: 0, tensorRNG: RNG(seed: 1))
        let read = try ModelCheckpoint.readContents(ModelCheckpoint.encode(contents, network: network, optimizers: Optimizers(network: network, config: config)),
                                                    path: "window")
        XCTAssertEqual(try XCTUnwrap(WorldNetwork(config: read.config, info: read.info).heads.orientation).window, 2)
        XCTAssertThrowsError(try ToyBounce.config(["probe.angle_window=-1"]))
    }
}
