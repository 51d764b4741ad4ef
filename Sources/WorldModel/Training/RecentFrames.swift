import Foundation

/// The last `capacity` observations of a live stream (frames, states, the action taken at each), in
/// arrival order, oldest overwritten first: the online learner's training data.
///
/// Frames are numbered by a running serial; a clip is T consecutive serials of one unbroken sequence
/// (a reset, a scene change or a missing action breaks it). With a frozen encoder each frame's latent is
/// cached beside it, so it is encoded once however many clips use it.
/// Not thread-safe by itself: `OnlineLearner` guards it with a lock.
struct RecentFrames {
    let capacity: Int
    let frameBytes: Int, actionDimension: Int, stateSize: Int
    private(set) var frames: [UInt8]
    /// a(t): the action applied from frame t to t+1 (known once frame t+1 arrives).
    private(set) var actions: [Float]
    private(set) var states: [Float]
    private(set) var hasStates: [Bool]
    /// Sequence id per slot: a clip never spans two.
    private var sequence: [Int]
    /// Latent cache: `latentSerial[slot]` is the serial whose latent `latents` holds there (-1: none).
    private(set) var latents: [Float] = []
    private var latentSerial: [Int]
    private(set) var latentDimension = 0
    /// Serial of the next frame (= frames seen so far).
    private(set) var total = 0
    private var currentSequence = 0
    private var lastSequenceOfNewest = -1

    init(capacity: Int, frameBytes: Int, actionDimension: Int, stateSize: Int) {
        self.capacity = capacity
        self.frameBytes = frameBytes; self.actionDimension = actionDimension; self.stateSize = stateSize
        frames = [UInt8](repeating: 0, count: capacity * frameBytes)
        actions = [Float](repeating: 0, count: capacity * actionDimension)
        states = [Float](repeating: 0, count: capacity * stateSize)
        hasStates = [Bool](repeating: false, count: capacity)
        sequence = [Int](repeating: -1, count: capacity)
        latentSerial = [Int](repeating: -1, count: capacity)
    }

    var oldest: Int { max(0, total - capacity) }
    var count: Int { total - oldest }
    func slot(_ serial: Int) -> Int { serial % capacity }

    /// Starts a new sequence: the next frame does not follow the previous one.
    mutating func breakSequence() { currentSequence += 1 }

    /// Appends a frame. `actionBefore` (A values) is a(t−1), the action that led here; it is stored with the
    /// previous frame when that frame is the newest of the current sequence.
    mutating func append(frame: UnsafeBufferPointer<UInt8>, states st: UnsafeBufferPointer<Float>?, actionBefore: UnsafeBufferPointer<Float>?) {
        if let actionBefore, total > 0, lastSequenceOfNewest == currentSequence {
            let p = slot(total - 1) * actionDimension
            for k in 0..<actionDimension { actions[p + k] = actionBefore[k] }
        }
        let s = slot(total)
        frames.withUnsafeMutableBufferPointer { dst in
            (dst.baseAddress! + s * frameBytes).update(from: frame.baseAddress!, count: frameBytes)
        }
        for k in 0..<actionDimension { actions[s * actionDimension + k] = 0 }
        if let st {
            for k in 0..<stateSize { states[s * stateSize + k] = st[k].isFinite ? st[k] : 0 }
            hasStates[s] = true
        } else {
            hasStates[s] = false
        }
        sequence[s] = currentSequence
        latentSerial[s] = -1
        lastSequenceOfNewest = currentSequence
        total += 1
    }

    /// First serials of every clip of `length` frames inside one sequence (all with states if asked), oldest first.
    func clipStarts(length: Int, needStates: Bool) -> [Int] {
        var out: [Int] = []
        var run = 0, previous = -2
        for serial in oldest..<total {
            let s = slot(serial)
            let ok = !needStates || hasStates[s]
            run = ok ? (sequence[s] == previous ? run + 1 : 1) : 0
            previous = ok ? sequence[s] : -2
            if run >= length { out.append(serial - length + 1) }
        }
        return out
    }

    func contains(_ serial: Int) -> Bool { serial >= oldest && serial < total }

    // MARK: latent cache

    /// Sets up the cache for D-dimensional latents (drops it if D changes).
    mutating func prepareLatents(dimension d: Int) {
        guard d != latentDimension else { return }
        latentDimension = d
        latents = [Float](repeating: 0, count: capacity * d)
        for i in latentSerial.indices { latentSerial[i] = -1 }
    }

    func hasLatent(_ serial: Int) -> Bool { contains(serial) && latentSerial[slot(serial)] == serial }

    /// Stores the latent of `serial` (ignored if the frame has been overwritten meanwhile).
    mutating func storeLatent(_ serial: Int, _ z: ArraySlice<Float>) {
        guard contains(serial), latentDimension == z.count else { return }
        let p = slot(serial) * latentDimension
        latents.replaceSubrange(p..<(p + latentDimension), with: z)
        latentSerial[slot(serial)] = serial
    }
}
