import Common

/// How a dataset's episode seeds follow from its base seed.
///
/// Episode `i`'s seed is output `i` of a SplitMix64 stream started at the base seed:
/// `mix(base + (i + 1) * 0x9E3779B97F4A7C15)`. Any machine can compute any episode's seed from the
/// base seed and the index alone, so `--shard I/K` runs on different machines produce disjoint,
/// reproducible parts of one dataset. With violations both clips of pair `p` (episodes `2p` and
/// `2p + 1`) use seed `p`'s value.
public enum EpisodeSeeds {
    public static let rule = "seed[i] = splitmix64_mix(base + (i + 1) * 0x9E3779B97F4A7C15) (SplitMix64 output i); with violations episodes 2p and 2p+1 share seed[p]"

    public static func seed(base: UInt64, index: Int) -> UInt64 {
        SplitMix64.output(index, seed: base)
    }

    /// The seed of dataset episode `episode`.
    public static func seed(base: UInt64, episode: Int, pairs: Bool) -> UInt64 {
        seed(base: base, index: pairs ? episode / 2 : episode)
    }
}
