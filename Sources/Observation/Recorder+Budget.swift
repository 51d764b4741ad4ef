import Foundation

/// A recording's memory, checked in `Recorder.init` before anything is allocated or written:
/// `--steps 1000000000` crashed allocating one shard (and left a manifest that refused a retry),
/// `--episodes 1000000000000` grew a shard list past 15 GB.
extension Recorder {
    /// Bytes of one episode in a shard (frames, states, actions, collisions, seed, mask); throws when
    /// it cannot even be counted.
    static func episodeBytes(steps: Int, frameBytes: Int, bodies: Int, actions: Int) throws -> Int {
        let perStep = MemoryBudget.sum(frameBytes, MemoryBudget.product(bodies, 6 * 4 + 1), MemoryBudget.product(actions, 4))
        guard let bytes = MemoryBudget.sum(perStep.flatMap { MemoryBudget.product($0, steps) }, 8 + 64) else {
            throw RecordError("--steps \(steps): one episode of \(steps) frames of \(frameBytes) bytes is too large to hold; lower --steps or --resolution")
        }
        return bytes
    }

    /// Peak: two shard buffers (one generated while the other is written) and the manifest's shard list.
    static func checkMemory(episodeBytes: Int, episodesPerShard: Int, shardCount: Int, budget: MemoryBudget = .machine) throws {
        let buffers = MemoryBudget.product(2, episodesPerShard, episodeBytes)
        let perShard = MemoryBudget.product(shardCount, 512)
        do {
            try budget.check(buffers, for: "one shard of \(episodesPerShard) episodes (two are held at once)",
                             change: "lower --steps or --resolution, or --episodes-per-shard")
            try budget.check(MemoryBudget.sum(buffers, perShard), for: "a recording of \(shardCount) shards",
                             change: "lower --episodes, or raise --episodes-per-shard")
        } catch let error as MemoryBudgetError {
            throw RecordError(error.message)
        }
    }
}
