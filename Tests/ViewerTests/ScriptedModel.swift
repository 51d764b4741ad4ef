@testable import Viewer

/// A model whose probe says exactly what the test tells it, to check the window draws what a model reports.
final class ScriptedModel: ViewerModel {
    var label = "scripted test model"
    var frameSize: (height: Int, width: Int, channels: Int) = (64, 64, 3)
    /// Returned by `imagine` for every step.
    var probe: [SIMD2<Float>] = []
    var surprise: Float = 0.5
    private(set) var observed = 0
    private(set) var resets = 0
    private(set) var actions: [[Float]?] = []
    var lastFrame: [UInt8] = []

    func observe(frame: UnsafeBufferPointer<UInt8>, action: UnsafeBufferPointer<Float>?) -> Float? {
        observed += 1
        lastFrame = Array(frame)
        actions.append(action.map(Array.init))
        return surprise
    }
    func imagine(steps: Int, futureActions: [[Float]]) -> [[SIMD2<Float>]] { Array(repeating: probe, count: steps) }
    func decodePrediction(into: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard !lastFrame.isEmpty else { return false }
        for i in 0..<into.count { into[i] = 255 &- lastFrame[i] }
        return true
    }
    func resetHistory() { resets += 1 }
    var supportsLearning: Bool { false }
    func learnStep() -> Float? { nil }
    /// What M and P show, when set.
    var masks: ObjectMasks?
    var readout: [SIMD4<Float>]?
    func objectMasks() -> ObjectMasks? { masks }
    func probeReadout() -> [SIMD4<Float>]? { readout }
    var angles: [Float?]?
    func probeAngles() -> [Float?]? { angles }
    var angleSymmetry: [Int]?
    func probeAngleSymmetry() -> [Int]? { angleSymmetry }
    /// Every switch of live learning's input, in order.
    private(set) var learningSwitches: [Bool] = []
    var learningFromObserved: Bool { learningSwitches.last ?? true }
    func setLearningFromObserved(_ on: Bool) { learningSwitches.append(on) }
}
