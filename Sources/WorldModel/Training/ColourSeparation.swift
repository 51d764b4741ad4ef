import Tensor

/// `model.encoder.colour_init`: a data-dependent start for a per-pixel softmax encoder, as clustering heads are
/// started from k-means. InfoMax alone settles with several resting bodies of similar colours in one mask, and
/// once a mask is decisive its softmax saturates, so no gradient splits it again (tower: three boxes per mask, the
/// ball in none). Before the first step, the encoder is fitted for a few hundred Adam steps so that each of the
/// first batch's (or first `colour_init_batches`') frequent colours (above `minimumShare` of its pixels, most
/// frequent first, at most one per mask) lands in a mask of its own; InfoMax and the JEPA losses train on from there. It reads pixels only, no states.
enum ColourSeparation {
    static let minimumShare: Float = 0.001
    static let steps = 300

    /// The palette rows of `palette`'s frequent colours, most frequent first, at most `masks`: colour i gets mask i.
    /// With `episodeFrames` (the palette's frames are episodes of that many), a colour's share is of the pixels of
    /// the episodes that show it (`model.encoder.colour_init_batches`), so a body present in few episodes counts.
    static func frequentColours(_ palette: PixelPalette, masks: Int, episodeFrames: Int? = nil) -> [Int] {
        let total = palette.counts.reduce(0, +)
        let shown = episodeFrames.map { shownPixels(palette, episodeFrames: $0) }
        return Array(palette.counts.indices.filter { palette.counts[$0] >= minimumShare * (shown?[$0] ?? total) }
            .sorted { palette.counts[$0] != palette.counts[$1] ? palette.counts[$0] > palette.counts[$1] : $0 < $1 }
            .prefix(masks))
    }

    /// Per colour, the pixels of the episodes that show it at least once.
    static func shownPixels(_ palette: PixelPalette, episodeFrames: Int) -> [Float] {
        let perEpisode = episodeFrames * palette.height * palette.width
        var shown = [Float](repeating: 0, count: palette.counts.count), lastEpisode = [Int](repeating: -1, count: palette.counts.count)
        for (p, row) in palette.index.enumerated() where lastEpisode[row] != p / perEpisode {
            lastEpisode[row] = p / perEpisode
            shown[row] += Float(perEpisode)
        }
        return shown
    }

    /// The episode length `frequentColours` counts shares by under `config` (nil: shares of all pixels).
    static func episodeFrames(_ config: TrainingConfig, _ batch: EpisodeBatch) -> Int? {
        config.encoderColourInitBatches > 1 ? batch.layout.steps : nil
    }

    /// `model.encoder.instances`: the masks whose colour the first batch shows as several bodies (`InstanceSplit`).
    /// Each with its colour (0…255 per channel), for the log.
    static func instanceMasks(config: TrainingConfig, batch: EpisodeBatch) -> [(mask: Int, spread: Float, colour: [Int])] {
        let frame = batch.layout.frame, c = frame.channels
        guard config.encoderInstances > 1, c <= 3, let masks = config.encoderChannels.last else { return [] }
        let palette = batch.frames.withUnsafeBufferPointer {
            PixelPalette(frames: $0, count: batch.episodes * batch.layout.steps, height: frame.height, width: frame.width, channels: c)
        }
        let frequent = frequentColours(palette, masks: masks, episodeFrames: episodeFrames(config, batch)), values = palette.colours.scalars
        return InstanceSplit.splitMasks(palette: palette, frequent: frequent, clipLength: batch.layout.steps).map { split in
            (split.mask, split.spread, (0..<c).map { Int((values[frequent[split.mask] * c + $0] * 255).rounded()) })
        }
    }

    /// Fits the encoder of `network` on `batch`'s colours; returns how many colours got a mask (0: the encoder is
    /// not per-pixel or has no softmax, and nothing changed).
    @discardableResult
    static func run(network: WorldNetwork, batch: EpisodeBatch) throws -> Int {
        guard network.config.encoderSoftmax else { return 0 }
        let input = batch.frames.withUnsafeBufferPointer { network.input(frames: $0, count: batch.episodes * batch.layout.steps) }
        guard case .palette(let palette) = input else { return 0 }
        let masks = network.encoder.maskChannels
        let frequent = frequentColours(palette, masks: masks, episodeFrames: episodeFrames(network.config, batch))
        let k = frequent.count
        guard k > 1 else { return 0 }
        let colours = try palette.colours.indexSelect(Array(frequent))
        var target = [Float](repeating: 0, count: k * masks)
        for i in 0..<k { target[i * masks + i] = -1 / Float(k) }
        let weights = try Tensor(target, shape: [k, masks])
        let parameters = network.encoder.parameters(prefix: "encoder.")
        let adam = AdamW(parameters, learningRate: 0.01, weightDecay: 0)
        for _ in 0..<steps {
            for p in parameters { p.tensor.zeroGrad() }
            // Cross-entropy of colour i against mask i.
            let loss = try ((network.encoder.perColour(colours) + 1e-8).log() * weights).sum()
            try loss.backward()
            try adam.step()
        }
        for p in parameters { p.tensor.zeroGrad() }
        return k
    }
}
