import Foundation
import Observation

/// Peak memory of `tumble eval`, checked after the manifest is read and before any frame is
/// encoded: one shard decoded at a time, plus its latents (encoded, rolled out and compared: about
/// four copies of D floats a frame), plus what the rankings keep of every window of every episode until the end.
enum EvaluationMemory {
    static let latentCopies = 4

    static func check(model: EvaluableModel, source: EpisodeSource, options: EvaluationOptions = EvaluationOptions(),
                      budget: MemoryBudget = .machine) throws {
        guard let dataset = (source as? DatasetEpisodes)?.dataset else { return }
        let m = dataset.manifest
        guard let largest = m.shards.max(by: { $0.episodeCount < $1.episodeCount }) else { return }
        let frames = MemoryBudget.product(largest.episodeCount, m.steps)
        let latents = frames.flatMap { MemoryBudget.product($0, model.latentDimension, 4 * latentCopies) }
        let decoded = m.decodedBytesPerEpisode.flatMap { MemoryBudget.product($0, largest.episodeCount) }
        let first = max(model.historyLength - 1, 1), horizon = max(1, options.horizon)
        let windowsPerEpisode = m.steps - 1 - horizon >= first ? (m.steps - 1 - horizon - first) / horizon + 1 : 0
        let rankingSteps = Set(options.rankingSteps.filter { (1...horizon).contains($0) }).count
        let windows = MemoryBudget.product(m.episodes, windowsPerEpisode)
            .flatMap { MemoryBudget.product($0, WindowRanking.bytesPerWindow(steps: rankingSteps, dimension: model.latentDimension)) }
        do {
            try budget.check(MemoryBudget.sum(decoded, latents, windows),
                             for: "evaluating \(m.episodes) episodes of \(m.steps) steps (largest shard \(largest.file), \(largest.episodeCount) episodes)",
                             change: "record the dataset with a smaller --episodes-per-shard, or evaluate fewer episodes")
        } catch let error as MemoryBudgetError {
            throw EvaluationError.invalidArguments(error.message)
        }
    }
}
