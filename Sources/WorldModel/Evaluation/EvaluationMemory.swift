import Foundation
import Observation

/// Peak memory of `tumble eval`, checked after the manifest is read and before any frame is
/// encoded: one shard decoded at a time, plus its latents (encoded, rolled out and compared: about
/// four copies of D floats a frame).
enum EvaluationMemory {
    static let latentCopies = 4

    static func check(model: EvaluableModel, source: EpisodeSource, budget: MemoryBudget = .machine) throws {
        guard let dataset = (source as? DatasetEpisodes)?.dataset else { return }
        let m = dataset.manifest
        guard let largest = m.shards.max(by: { $0.episodeCount < $1.episodeCount }) else { return }
        let frames = MemoryBudget.product(largest.episodeCount, m.steps)
        let latents = frames.flatMap { MemoryBudget.product($0, model.latentDimension, 4 * latentCopies) }
        let decoded = m.decodedBytesPerEpisode.flatMap { MemoryBudget.product($0, largest.episodeCount) }
        do {
            try budget.check(MemoryBudget.sum(decoded, latents), for: "evaluating \(largest.file) (\(largest.episodeCount) episodes of \(m.steps) steps)",
                             change: "record the dataset with a smaller --episodes-per-shard")
        } catch let error as MemoryBudgetError {
            throw EvaluationError.invalidArguments(error.message)
        }
    }
}
