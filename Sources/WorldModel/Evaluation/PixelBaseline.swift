/// The model-free surprise detector printed beside the model: a clip's surprise is its largest
/// frame-to-frame change, measured as the mean absolute pixel difference between consecutive frames
/// (0…255). A vanishing or jumping object changes many pixels at once, so this catches the easy cases;
/// a model has to beat it to show it learned more than "something changed".
public enum PixelBaseline {
    /// Per-step mean absolute difference for one clip: element t-1 is |frame t − frame t−1| averaged.
    /// - Parameters:
    ///   - frames: one clip, [steps, frameSize] uint8.
    public static func stepDifferences(_ frames: UnsafeBufferPointer<UInt8>, steps: Int, frameSize: Int) -> [Double] {
        precondition(frames.count >= steps * frameSize, "pixel baseline: clip shorter than steps × frame size")
        guard steps > 1, frameSize > 0 else { return [] }
        var out = [Double](repeating: 0, count: steps - 1)
        let base = frames.baseAddress!
        for t in 1..<steps {
            let a = base + (t - 1) * frameSize, b = base + t * frameSize
            var sum: UInt64 = 0
            var i = 0
            // Blocks of ≤ 2^23 bytes keep the 32-bit partial sum from overflowing.
            while i < frameSize {
                let end = min(frameSize, i + (1 << 23))
                var partial: UInt32 = 0
                while i < end {
                    let d = Int16(a[i]) &- Int16(b[i])
                    partial &+= UInt32(d < 0 ? -d : d)
                    i += 1
                }
                sum += UInt64(partial)
            }
            out[t - 1] = Double(sum) / Double(frameSize)
        }
        return out
    }

    /// The clip score: the largest step difference (0 for a clip of one frame).
    public static func clipScore(_ frames: UnsafeBufferPointer<UInt8>, steps: Int, frameSize: Int) -> Double {
        stepDifferences(frames, steps: steps, frameSize: frameSize).max() ?? 0
    }
}
