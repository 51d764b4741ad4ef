import XCTest
@testable import Tensor

/// Shape mismatches name the op and both shapes; the numerics check names the op that made a NaN/Inf.
final class ErrorTests: XCTestCase {
    func assertMismatch(_ op: String, _ lhs: [Int], _ rhs: [Int], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Tensor) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertEqual(e as? TensorError, .shapeMismatch(op: op, lhs: lhs, rhs: rhs), file: file, line: line)
            XCTAssertEqual("\(e)", "\(op): shapes \(lhs) and \(rhs) do not match", file: file, line: line)
        }
    }

    func testShapeMismatchesNameOpAndShapes() throws {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4]), m = Tensor.zeros([4, 5])
        assertMismatch("add", [2, 3], [4]) { try a + b }
        assertMismatch("mul", [2, 3], [4]) { try a * b }
        assertMismatch("matmul", [2, 3], [4, 5]) { try a.matmul(m) }
        assertMismatch("linear", [2, 3], [4, 5]) { try Tensor.linear(a, weight: m, bias: nil) }
        assertMismatch("conv2d", [1, 8, 8, 3], [4, 3, 3, 2]) {
            try Tensor.conv2d(Tensor.zeros([1, 8, 8, 3]), weight: Tensor.zeros([4, 3, 3, 2]), bias: nil)
        }
        assertMismatch("convTranspose2d", [1, 4, 4, 3], [2, 3, 3, 5]) {
            try Tensor.convTranspose2d(Tensor.zeros([1, 4, 4, 3]), weight: Tensor.zeros([2, 3, 3, 5]), bias: nil)
        }
        assertMismatch("concat", [2, 3], [3, 3]) { try Tensor.concat([a, Tensor.zeros([3, 3])], axis: 1) }
        assertMismatch("mse", [2, 3], [3, 2]) { try Tensor.mse(a, Tensor.zeros([3, 2])) }
        assertMismatch("reshape", [2, 3], [4, 2]) { try a.reshaped([4, 2]) }
        assertMismatch("layerNorm(gamma)", [2, 3], [4]) { try Tensor.layerNorm(a, gamma: b, beta: nil) }
        XCTAssertThrowsError(try a.slice(axis: 1, 2..<5)) { e in XCTAssertTrue("\(e)".hasPrefix("slice: range 2..<5"), "\(e)") }
        XCTAssertThrowsError(try a.indexSelect([0, 2])) { e in XCTAssertTrue("\(e)".contains("index 2 is outside 0..<2"), "\(e)") }
        XCTAssertThrowsError(try a.sum(axes: [2])) { e in XCTAssertTrue("\(e)".contains("axis 2 is out of range"), "\(e)") }
        XCTAssertThrowsError(try Tensor([1, 2, 3], shape: [2, 2]))
    }

    func testNumericsCheckNamesTheOp() throws {
        Tensor.checkNumerics = true
        defer { Tensor.checkNumerics = false }
        let x = try Tensor([1, -1], shape: [2], requiresGrad: true)
        XCTAssertThrowsError(try x.log()) { e in
            XCTAssertEqual(e as? TensorError, .nonFinite(op: "log", phase: "forward"))
            XCTAssertEqual("\(e)", "log: produced NaN or infinity in the forward pass")
        }
        // sqrt(0) is fine forward but its gradient is infinite.
        let z = try Tensor([0, 4], shape: [2], requiresGrad: true)
        let y = try z.sqrt().sum()
        XCTAssertThrowsError(try y.backward()) { e in XCTAssertEqual(e as? TensorError, .nonFinite(op: "sqrt", phase: "backward")) }
        // Off: no check, the NaN simply flows.
        Tensor.checkNumerics = false
        XCTAssertTrue(try x.log().scalars[1].isNaN)
    }
}
