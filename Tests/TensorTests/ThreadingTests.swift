import Common
import Foundation
import XCTest
@testable import Tensor

/// `TensorThreads.fanOut`: a thread that keeps its ops to itself gets the same bytes, and no other thread
/// runs its loops.
final class ThreadingTests: XCTestCase {
    /// A conv + MSE forward and backward big enough to split over the cores (conv, activation backward,
    /// the loss's partial sums, gradient accumulation).
    private func step(seed: UInt64) throws -> [Float] {
        var rng = RNG(seed: seed)
        let x = Tensor.uniform([8, 32, 32, 8], low: -1, high: 1, rng: &rng)
        let w = Tensor.uniform([16, 3, 3, 8], low: -0.2, high: 0.2, rng: &rng)
        let b = Tensor.uniform([16], low: -0.1, high: 0.1, rng: &rng)
        w.requiresGrad = true; b.requiresGrad = true
        let target = Tensor.uniform([8, 32, 32, 16], low: -1, high: 1, rng: &rng)
        let y = try Tensor.conv2d(x, weight: w, bias: b, stride: 1, padding: 1, activation: .relu)
        let loss = try Tensor.mse(y, target)
        try loss.backward()
        return try [loss.item()] + w.grad!.scalars + b.grad!.scalars
    }

    func testSerialThreadGivesTheSameBytes() throws {
        XCTAssertTrue(TensorThreads.fanOut, "fan-out is the default")
        let parallel = try step(seed: 5)
        /// What the other thread found (read after it signalled).
        final class Outcome: @unchecked Sendable { var serial: [Float] = []; var error: Error?; var sawOtherThread = false }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            defer { done.signal() }
            TensorThreads.fanOut = false
            let me = Thread.current
            do { outcome.serial = try self.step(seed: 5) } catch { outcome.error = error }
            // Every part of a split loop runs here.
            Parallel.forRanges(1 << 20) { _, _ in if Thread.current !== me { outcome.sawOtherThread = true } }
            Parallel.forEach(8) { _ in if Thread.current !== me { outcome.sawOtherThread = true } }
        }
        t.start()
        done.wait()
        XCTAssertNil(outcome.error)
        XCTAssertFalse(outcome.sawOtherThread, "a serial thread's loops ran elsewhere")
        XCTAssertEqual(outcome.serial, parallel, "serial and parallel runs must agree bit for bit")
        XCTAssertTrue(TensorThreads.fanOut, "the switch is per thread: this one still fans out")
    }
}
