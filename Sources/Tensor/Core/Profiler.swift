import Foundation

/// Wall-clock time per labelled phase of the heavy ops (im2col, GEMMs, col2im, ...), for finding where a
/// training step spends its time. Off by default; when off a phase costs one branch.
public enum Profiler {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) static var totals: [String: (seconds: Double, calls: Int, fastest: Double)] = [:]
    static let lock = NSLock()

    /// Runs `body`, adding its wall time to `label` when profiling is on.
    @inline(__always)
    public static func measure<R>(_ label: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        if !enabled { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try body()
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let key = label()
        lock.lock()
        let old = totals[key] ?? (0, 0, .infinity)
        totals[key] = (old.seconds + dt, old.calls + 1, min(old.fastest, dt))
        lock.unlock()
        return r
    }

    /// Clears the totals.
    public static func reset() { lock.lock(); totals = [:]; lock.unlock() }

    /// Phases by total time, largest first, with each phase's fastest single call (on a shared machine,
    /// calls × fastest estimates the phase's cost without interference).
    public static func report() -> [(label: String, seconds: Double, calls: Int, fastest: Double)] {
        lock.lock(); defer { lock.unlock() }
        return totals.map { (label: $0.key, seconds: $0.value.seconds, calls: $0.value.calls, fastest: $0.value.fastest) }
            .sorted { $0.seconds > $1.seconds }
    }
}
