/// What the window needs from a world model. A trained `WorldModel` joins through a small adapter;
/// the window itself never sees tensors.
///
/// Call order per observation step (main thread): `observe` with the frame just seen, then `imagine`
/// and `decodePrediction` for the step ahead. `resetHistory` when the episode restarts (reset, scene
/// change, seed change). If `supportsLearning`, `learnStep` is called repeatedly from one background
/// thread while the main thread keeps calling the rest: a conformer must make that safe itself (for
/// example train a copy of the weights and publish them between steps) so drawing never waits on training.
public protocol ViewerModel: AnyObject {
    /// Shown in the HUD: what this model is, e.g. the short SHA-256 of its checkpoint.
    var label: String { get }
    /// The scene the model learned, when it learned one (the HUD warns when it is not the scene shown).
    var trainedOn: String? { get }
    /// The frame the model reads, `height × width × channels` bytes, row-major, top row first.
    var frameSize: (height: Int, width: Int, channels: Int) { get }
    /// Feeds the frame just observed and the action that led to it (nil on the first frame of an episode).
    /// Returns the surprise of this frame — the model's prediction error for it — or nil when the model had
    /// no prediction yet (start of an episode).
    func observe(frame: UnsafeBufferPointer<UInt8>, action: UnsafeBufferPointer<Float>?) -> Float?
    /// Rolls the model forward `steps` steps under `futureActions` (one per step, possibly empty arrays
    /// for scenes without actions) and returns, per step, the probe's position of each dynamic body in
    /// scene order, in world units. Element 0 is the predicted next state (drawn as ghosts).
    func imagine(steps: Int, futureActions: [[Float]]) -> [[SIMD2<Float>]]
    /// Writes the decoder's picture of the predicted next frame (`frameSize` bytes). Returns false when the
    /// model has no decoder or no prediction yet.
    func decodePrediction(into: UnsafeMutableBufferPointer<UInt8>) -> Bool
    /// Forgets the frame history (new episode).
    func resetHistory()
    /// Whether `learnStep` trains anything.
    var supportsLearning: Bool { get }
    /// One online training step on recently observed frames; returns the training loss, or nil when there is
    /// not enough data yet. Called from a background thread.
    func learnStep() -> Float?
    /// Optional (defaults below): the model's object masks, the probe's read-out, and a switch for live learning's input.
    func objectMasks() -> ObjectMasks?
    func probeReadout() -> [SIMD4<Float>]?
    func probeAngles() -> [Float?]?
    func probeAngleSymmetry() -> [Int]?
    func setLearningFromObserved(_ on: Bool)
}

extension ViewerModel {
    public var trainedOn: String? { nil }
}

/// The encoder's object masks of the frame last observed: per mask pixel (`height × width`, row-major), the
/// share of each of `count` masks (each pixel's shares sum to 1).
public struct ObjectMasks: Equatable {
    public var values: [Float]
    public var count: Int
    public var height: Int
    public var width: Int

    public init(values: [Float], count: Int, height: Int, width: Int) {
        self.values = values; self.count = count; self.height = height; self.width = width
    }
}

/// What a model can show of its inside, when it has it; the defaults say it has none.
extension ViewerModel {
    /// The object masks of the frame last observed, or nil (no masks in this model's encoder).
    public func objectMasks() -> ObjectMasks? { nil }
    /// The probe's read-out of every body from the frames last observed: x, y, vx, vy per body in scene order
    /// (world units), or nil.
    public func probeReadout() -> [SIMD4<Float>]? { nil }
    /// The probe's angle of every body (radians, in [0, 2π/s) for a body of rotational symmetry s), nil for a body
    /// whose turning does not show (a disc) or for a model without an angle read-out.
    public func probeAngles() -> [Float?]? { nil }
    /// Per body, the rotational symmetry s its angle read-out was fitted for (0: none), or nil when the model does not
    /// say. A checkpoint fitted for another s than the scene now gives reads angles modulo another period.
    public func probeAngleSymmetry() -> [Int]? { nil }
    /// Whether observed frames may go to live learning. The window turns it off while its physics differs from the
    /// scene the model learns, so such frames never enter the model's data unnoticed.
    public func setLearningFromObserved(_ on: Bool) {}
}


/// Angles as a probe of a body with rotational symmetry s can read them: only modulo 2π/s.
public enum ProbeAngle {
    /// `angle` (radians) wrapped into [0, 2π/s).
    public static func wrap(_ angle: Float, symmetry s: Int) -> Float {
        let period = 2 * Float.pi / Float(max(s, 1))
        let r = angle.truncatingRemainder(dividingBy: period)
        return r < 0 ? r + period : r
    }
}
