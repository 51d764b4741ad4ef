import Dispatch
import Observation
import Physics

/// Milliseconds of work per kind, summed until the window takes them for its profiler line.
struct StepTimings: Equatable {
    var physics: Double = 0
    var raster: Double = 0
    var model: Double = 0
}

/// The timeline (stepping back and resuming from the past), the model's masks and read-out, and the episode
/// as a dataset.
extension Sandbox {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    /// Returns the timings summed since the last call, and starts a new sum.
    func takeTimings() -> StepTimings {
        defer { timings = StepTimings() }
        return timings
    }

    func appendToTimeline() {
        timeline.append(Timeline.Entry(snapshot: world.snapshot(), frame: frame, states: states, mask: mask,
                                       actionBefore: lastAction, collisions: collisions, surprise: surprise))
    }

    /// Shows timeline entry `index`: the world returns to that observation exactly (its snapshot), the lead world
    /// follows, and the model is given that observation's history (the frame before it, then it), so its ghosts,
    /// imagination and masks are those it had then. Stepping from here continues the episode from this moment.
    func show(timelineIndex index: Int) {
        guard timeline.entries.indices.contains(index), index != timeline.cursor else { return }
        let t0 = Self.now()
        let e = timeline.entries[index]
        timeline.cursor = index
        userPull = nil
        world.restore(e.snapshot)
        frame = e.frame
        states = e.states
        mask = world.bodyMask
        world.drawables(into: &drawables)
        previousStates = states; previousMask = mask
        lastAction = e.actionBefore
        continuous = false
        lead.resynchronise(with: world, input: userInput)
        let t1 = Self.now()
        if let model {
            model.resetHistory()
            // Replayed frames are not new data: the learner already had them.
            model.setLearningFromObserved(false)
            hasNextPredictedFrame = false
            if index > 0 {
                // The frame before, and the forecast made from it: the decoder's picture of the frame shown.
                let p = timeline.entries[index - 1]
                _ = p.frame.withUnsafeBufferPointer { f in
                    p.actionBefore.withUnsafeBufferPointer { a in model.observe(frame: f, action: index > 1 && !a.isEmpty ? a : nil) }
                }
                refreshForecast()
            }
            let action = e.actionBefore
            _ = frame.withUnsafeBufferPointer { f in
                action.withUnsafeBufferPointer { a in model.observe(frame: f, action: index > 0 && !a.isEmpty ? a : nil) }
            }
            model.setLearningFromObserved(!physicsModified)
            swapPredictedFrames()
        }
        surprise = e.surprise
        refreshForecast()
        refreshInsight()
        goalEpisodeChanged()
        timings.physics += t1 - t0
        timings.model += Self.now() - t1
    }

    /// Recomputes the masks and the probe read-out of the frame shown, when wanted.
    func refreshInsight() {
        masks = wantsMasks ? model?.objectMasks() : nil
        masksVersion &+= 1
        readout = wantsReadout ? model?.probeReadout().map(inSceneOrder) : nil
        readoutAngles = wantsReadout ? model?.probeAngles().map(inSceneOrder) : nil
    }

    /// A read-out's rows (look-alike bodies in x order, `Scene.lookAlikeOrder`) put back in the simulator's order,
    /// so each cross and ghost is drawn at the body it reads.
    func inSceneOrder<T>(_ rows: [T]) -> [T] {
        var out = rows
        for group in scene.lookAlikeRows where group.allSatisfy({ $0 < rows.count && $0 < mask.count && 6 * $0 < states.count }) {
            let order = Scene.lookAlikeOrder(group, x: { states[6 * $0] }, present: { mask[$0] })
            for (slot, row) in order.enumerated() { out[row] = rows[group[slot]] }
        }
        return out
    }

    /// The episode up to the observation shown, as a dataset episode: frames, states, the actions the user (or the
    /// policy) applied, collisions and the rows present. Throws a `RecordRefusal` saying why when it cannot be recorded.
    func playedEpisode() throws -> PlayedEpisode {
        if physicsModified { throw RecordRefusal.physicsModified }
        let entries = timeline.recordable
        guard entries.count >= 2 else {
            throw timeline.violationAfter != nil && timeline.entries.count > entries.count
                ? RecordRefusal.violationAtStart : RecordRefusal.tooShort(entries.count)
        }
        let a = world.actionDimension
        var frames: [UInt8] = [], states: [Float] = [], actions: [Float] = [], collisions: [Bool] = []
        frames.reserveCapacity(entries.count * frame.count)
        let list = Array(entries)
        for (i, e) in list.enumerated() {
            frames += e.frame
            states += e.states
            collisions += i == 0 ? [Bool](repeating: false, count: e.collisions.count) : e.collisions
            // A dataset's actions[t] is the action taken after observation t; the last one was never applied.
            let next = i + 1 < list.count ? list[i + 1].actionBefore : []
            actions += next.count == a ? next : [Float](repeating: 0, count: a)
        }
        return PlayedEpisode(seed: seed, steps: list.count, frames: frames, states: states, actions: actions,
                             collisions: collisions, mask: list[0].mask)
    }
}

/// Why the episode shown cannot be recorded now.
enum RecordRefusal: Error, CustomStringConvertible, Equatable {
    case physicsModified
    case tooShort(Int)
    case violationAtStart

    var description: String {
        switch self {
        case .physicsModified:
            return "not recorded: the physics panel differs from the scene file (press 0 for the scene's own physics)"
        case .tooShort(let n): return "not recorded: the episode has \(n) observation(s); a dataset needs at least 2"
        case .violationAtStart: return "not recorded: a violation was injected right at the start of the episode"
        }
    }
}
