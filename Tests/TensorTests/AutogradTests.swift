import Foundation
import XCTest
@testable import Tensor

/// Graph mechanics: accumulation, no-grad, detach, graph release, views.
final class AutogradTests: XCTestCase {
    func testGradientsAccumulateAcrossUsesAndCalls() throws {
        let x = try Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        try (x * x + x).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [3, 5, 7])
        try x.sum().backward()                 // a second backward adds to the leaf's gradient
        XCTAssertEqual(x.grad!.scalars, [4, 6, 8])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testNoGradAndDetach() throws {
        let w = try Tensor([2], shape: [1], requiresGrad: true)
        let y = try Tensor.noGrad { try w * 3 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(Autograd.isEnabled, "no-grad mode ends with its closure")
        let z = try (w * w.detached()).sum()     // d/dw (w · stop(w)) = stop(w)
        try z.backward()
        XCTAssertEqual(w.grad!.scalars, [2])
        XCTAssertThrowsError(try y.sum().backward()) { e in XCTAssertTrue("\(e)".contains("does not require grad")) }
        let v = try (w * 2)
        XCTAssertThrowsError(try v.expand(to: [3]).backward()) { e in XCTAssertTrue("\(e)".contains("needs a seed")) }
        try v.expand(to: [3]).backward(Tensor.ones([3]))
        XCTAssertEqual(w.grad!.scalars, [8])
    }

    func testNoGradIsPerThread() throws {
        let w = try Tensor([1], shape: [1], requiresGrad: true)
        final class Box: @unchecked Sendable { var value = false }
        let other = Box()
        try Tensor.noGrad {
            let t = Thread { other.value = (try? (w * 2).requiresGrad) ?? false }
            t.start()
            while !t.isFinished { usleep(1000) }
        }
        XCTAssertTrue(other.value, "another thread still records while this one is in no-grad mode")
    }

    func testBackwardReleasesGraph() throws {
        let x = try Tensor([1, 2], shape: [2], requiresGrad: true)
        let h = try x * 2
        let loss = try h.sum()
        try loss.backward()
        XCTAssertNil(h.gradFn, "graph freed")
        XCTAssertNil(h.grad, "intermediate gradients are not kept")
        XCTAssertThrowsError(try loss.backward()) { e in XCTAssertTrue("\(e)".contains("already freed"), "\(e)") }
    }

    func testViewsShareStorage() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let r = try x.reshaped([2, 3]), s = try x.slice(axis: 0, 1..<3)
        XCTAssertEqual(r.storage === x.storage, true)
        XCTAssertEqual(s.storage === x.storage, true)
        XCTAssertEqual(s.scalars, [3, 4, 5, 6])
        XCTAssertEqual(try x.select(axis: 1, index: 1).scalars, [2, 4, 6])
        XCTAssertEqual(try x.indexSelect([2, 0]).scalars, [5, 6, 1, 2])
        XCTAssertEqual(try Tensor.stack([x, x], axis: 1).shape, [3, 2, 2])
    }

    func testBufferPoolReusesMemory() throws {
        var p: UnsafeMutablePointer<Float>?
        do { let t = Tensor.zeros([12345]); p = t.ptr }
        let again = Tensor.zeros([12345])
        XCTAssertEqual(again.ptr, p, "a freed buffer of the same size is handed out again")
    }

    /// A private pool, so other tests' tensors cannot move the count: a released buffer is idle until it is
    /// handed out again, and one that would pass `limitBytes` goes back to the system instead.
    func testBufferPoolCountsIdleBytesUpToItsLimit() {
        let pool = BufferPool()
        pool.limitBytes = 400
        let a = pool.acquire(100), b = pool.acquire(100)
        XCTAssertEqual(pool.idleBytes, 0)
        pool.release(a, count: 100)
        XCTAssertEqual(pool.idleBytes, 400, "100 released floats are idle")
        pool.release(b, count: 100)
        XCTAssertEqual(pool.idleBytes, 400, "past limitBytes a released buffer is freed, not cached")
        let c = pool.acquire(100)
        XCTAssertEqual(c, a, "the cached buffer is handed out again")
        XCTAssertEqual(pool.idleBytes, 0)
        free(c)
    }
}
