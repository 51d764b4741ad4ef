import Dispatch
import Foundation

/// Raw pointers into one shard image's arrays. Episode `i` owns fixed, disjoint offsets in every
/// array, so worker threads can fill different episodes of the same image without locking.
struct ShardSlices {
    let frames: UnsafeMutablePointer<UInt8>
    let states: UnsafeMutablePointer<Float>
    let actions: UnsafeMutablePointer<Float>?
    let collisions: UnsafeMutablePointer<Bool>?
    let mask: UnsafeMutablePointer<Bool>
    let seeds: UnsafeMutablePointer<Int64>
    let violationFrame: UnsafeMutablePointer<Int32>?
    let pairs: UnsafeMutablePointer<Int64>?
    let violationType: UnsafeMutablePointer<UInt32>?
    /// Stand-ins for zero-size arrays (A = 0 or N = 0), which have no storage of their own.
    let dummyFloat: UnsafeMutablePointer<Float>
    let dummyBool: UnsafeMutablePointer<Bool>
    let steps: Int, bodies: Int, actionDimension: Int, frameBytes: Int

    /// Where episode `i` of the shard writes its frames, states, actions, collisions and mask.
    func slots(_ i: Int) -> ObservationStream.Slots {
        let t = steps, n = bodies, a = actionDimension
        return .init(frames: frames + i * t * frameBytes, states: states + i * t * n * 6,
                     actions: a > 0 ? actions! + i * t * a : dummyFloat,
                     collisions: n > 0 ? collisions! + i * t * n : dummyBool,
                     mask: n > 0 ? mask + i * n : dummyBool)
    }
}

extension Recorder {
    /// The arrays of a shard of `e` episodes, in file order; must match `plan.arrays` (the manifest)
    /// so that readers find what the manifest promises.
    func shardArraySpecs(episodes e: Int) -> [NPZImage.ArraySpec] {
        let t = plan.steps, n = plan.bodies, a = plan.actionDimension
        var specs: [NPZImage.ArraySpec] = [
            .init(name: "frames", type: .uint8, shape: [e, t] + [plan.frame.height, plan.frame.width, plan.frame.channels]),
            .init(name: "states", type: .float32, shape: [e, t, n, 6]),
            .init(name: "actions", type: .float32, shape: [e, t, a]),
            .init(name: "collisions", type: .bool, shape: [e, t, n]),
            .init(name: "seeds", type: .int64, shape: [e]),
        ]
        if hasMask { specs.append(.init(name: "mask", type: .bool, shape: [e, n])) }
        if options.violations {
            specs += [
                .init(name: "violation_frame", type: .int32, shape: [e]),
                .init(name: "pair", type: .int64, shape: [e]),
                .init(name: "violation_type", type: .unicode(Self.typeWidth), shape: [e]),
            ]
        }
        return specs
    }

    /// Resolves the arrays of a laid-out shard `image` to pointers once, so workers do no lookups;
    /// the mask goes to `scratchMask` when the scene's body count never varies (no mask array).
    func shardSlices(of image: NPZImage, scratchMask: UnsafeMutablePointer<Bool>,
                     dummyFloat: UnsafeMutablePointer<Float>, dummyBool: UnsafeMutablePointer<Bool>) -> ShardSlices {
        let v = options.violations
        return ShardSlices(
            frames: image.typed("frames", as: UInt8.self).baseAddress!,
            states: image.typed("states", as: Float.self).baseAddress!,
            actions: image.typed("actions", as: Float.self).baseAddress,
            collisions: image.typed("collisions", as: Bool.self).baseAddress,
            mask: hasMask ? image.typed("mask", as: Bool.self).baseAddress! : scratchMask,
            seeds: image.typed("seeds", as: Int64.self).baseAddress!,
            violationFrame: v ? image.typed("violation_frame", as: Int32.self).baseAddress : nil,
            pairs: v ? image.typed("pair", as: Int64.self).baseAddress : nil,
            violationType: v ? image.typed("violation_type", as: UInt32.self).baseAddress : nil,
            dummyFloat: dummyFloat, dummyBool: dummyBool,
            steps: plan.steps, bodies: plan.bodies, actionDimension: plan.actionDimension,
            frameBytes: frameByteCount)
    }

    /// Runs jobs `0..<jobs` on one worker per stream (each stream is used by one thread only),
    /// handing out job numbers in order; the first error stops further jobs and is rethrown.
    static func runJobs(_ jobs: Int, on streams: [ObservationStream],
                        _ body: (ObservationStream, Int) throws -> Void) throws {
        let lock = NSLock()
        var next = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: min(streams.count, jobs)) { w in
            let stream = streams[w]
            while true {
                lock.lock()
                let j = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                if stop || j >= jobs { return }
                do {
                    try body(stream, j)
                } catch {
                    lock.lock()
                    failure = failure ?? error
                    lock.unlock()
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// Records job `j` of a plain recording: episode `firstEpisode + j` into slot `j`.
    func recordEpisode(job j: Int, firstEpisode: Int, stream: ObservationStream, into slices: ShardSlices) throws {
        let seed = EpisodeSeeds.seed(base: plan.seeds.base, index: firstEpisode + j)
        try stream.run(seed: seed, steps: plan.steps, into: slices.slots(j))
        slices.seeds[j] = Int64(bitPattern: seed)
    }

    /// Records job `j` of a `--violations` recording: pair p as slots 2j (possible) and 2j+1
    /// (impossible), which share seed, pair index and type label and differ in `violation_frame`. Pair p is always
    /// of type `types[p mod len]`, so every type has the same number of pairs, give or take one.
    func recordPair(job j: Int, firstEpisode: Int, stream: ObservationStream, into slices: ShardSlices) throws {
        let types = violationTypes
        let i = 2 * j, p = (firstEpisode + i) / 2
        let seed = EpisodeSeeds.seed(base: plan.seeds.base, index: p)
        let label = try stream.recordPair(seed: seed, steps: plan.steps, type: types[p % types.count], pair: p,
                                          possible: slices.slots(i), impossible: slices.slots(i + 1))
        for k in [i, i + 1] {
            slices.seeds[k] = Int64(bitPattern: seed)
            slices.pairs![k] = Int64(p)
            let name = Array(label.type.rawValue.unicodeScalars.prefix(Self.typeWidth))
            for (c, u) in name.enumerated() { slices.violationType![k * Self.typeWidth + c] = u.value }
        }
        slices.violationFrame![i] = -1
        slices.violationFrame![i + 1] = Int32(label.frame)
    }
}
