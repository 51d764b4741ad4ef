import Foundation
@testable import Physics

/// FNV-1a over raw float bytes: equal hashes mean byte-identical states.
struct StateHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ floats: [Float]) {
        for f in floats {
            var bits = f.bitPattern
            for _ in 0..<4 {
                value = (value ^ UInt64(bits & 0xFF)) &* 0x100_0000_01b3
                bits >>= 8
            }
        }
    }
}

extension World {
    func states() -> [Float] {
        var s = [Float](repeating: 0, count: bodyCount * 6)
        s.withUnsafeMutableBufferPointer { exportStates(into: $0) }
        return s
    }

    /// One observation step with the scene's own policy (if it has an actor).
    func stepWithPolicy() {
        var a = [Float](repeating: 0, count: max(actionDimension, 1))
        if actionDimension > 0 { a.withUnsafeMutableBufferPointer { policyAction(into: $0) } }
        a.withUnsafeBufferPointer { step(action: actionDimension > 0 ? $0 : nil) }
    }

    /// Hash of the states after each of `steps` observations.
    func runHash(steps: Int) -> UInt64 {
        var h = StateHash()
        for _ in 0..<steps {
            stepWithPolicy()
            h.add(states())
        }
        return h.value
    }

    func position(_ row: Int) -> SIMD2<Float> {
        let s = states()
        return SIMD2(s[6 * row], s[6 * row + 1])
    }

    func velocity(_ row: Int) -> SIMD2<Float> {
        let s = states()
        return SIMD2(s[6 * row + 3], s[6 * row + 4])
    }
}

func length(_ v: SIMD2<Float>) -> Float { (v * v).sum().squareRoot() }

/// Scenes/ in the source tree.
let scenesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Scenes")
