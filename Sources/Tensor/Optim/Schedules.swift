import Foundation

/// Learning rate: linear warm-up from peak/warmup to `peak` over `warmupSteps`, then cosine decay to
/// `floorRatio · peak` at `totalSteps` (held there afterwards). Double arithmetic: the rate a run used is
/// recomputed bit for bit on resume.
public struct WarmupCosine: Sendable, Equatable {
    public var peak: Double, warmupSteps: Int, totalSteps: Int, floorRatio: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, floorRatio: Double = 0) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.floorRatio = floorRatio
    }

    /// The rate for the update numbered `step` (0-based).
    public func callAsFunction(_ step: Int) -> Double {
        if warmupSteps > 0 && step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let t = min(1.0, Double(step - warmupSteps) / Double(span))
        return peak * (floorRatio + (1 - floorRatio) * 0.5 * (1 + cos(Double.pi * t)))
    }
}

/// EMA momentum ramp (I-JEPA): linear from `start` to `end` over `totalSteps`, held at `end` afterwards.
public struct MomentumSchedule: Sendable, Equatable {
    public var start: Double, end: Double, totalSteps: Int

    public init(start: Double = 0.996, end: Double = 1.0, totalSteps: Int) {
        self.start = start; self.end = end; self.totalSteps = totalSteps
    }

    public func callAsFunction(_ step: Int) -> Double {
        let t = min(1.0, Double(step) / Double(totalSteps))
        return start + (end - start) * t
    }
}
