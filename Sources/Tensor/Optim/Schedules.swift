import Foundation

/// Learning rate: linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `floor` at
/// `totalSteps` (held there afterwards).
public struct WarmupCosine: Sendable, Equatable {
    public var peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.floor = floor
    }

    /// The rate for the update numbered `step` (0-based).
    public func callAsFunction(_ step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = min(Float(step - warmupSteps) / Float(span), 1)
        return floor + (peak - floor) * 0.5 * (1 + cos(Float.pi * progress))
    }
}

/// EMA momentum ramp (I-JEPA: linear 0.996 → 1.0 over training; `cosine` gives BYOL's schedule).
public struct MomentumSchedule: Sendable, Equatable {
    public var start: Float, end: Float, totalSteps: Int, cosine: Bool

    public init(start: Float = 0.996, end: Float = 1.0, totalSteps: Int, cosine: Bool = false) {
        self.start = start; self.end = end; self.totalSteps = totalSteps; self.cosine = cosine
    }

    public func callAsFunction(_ step: Int) -> Float {
        let p = min(max(Float(step) / Float(max(totalSteps, 1)), 0), 1)
        let f = cosine ? 0.5 * (1 - cos(Float.pi * p)) : p
        return start + (end - start) * f
    }
}
