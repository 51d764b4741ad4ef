import Foundation

/// Where a training step's wall time goes (`tumble train --profile`). Off by default; when off every hook
/// costs one branch.
///
/// Time is attributed exclusively, so the rows add up to the step: the profiled thread's clock runs from
/// one mark to the next, and each span goes to the op that ended it (a forward op when it records its
/// result, a backward op when its gradient is pushed, or a name the caller gives, such as an optimiser),
/// inside the phase the caller last entered (data, forward, backward, ...). `measure` adds nested detail
/// labels inside an op (im2col, GEMMs) that are reported apart and are not additive.
public enum Profiler {
    nonisolated(unsafe) public static var enabled = false {
        didSet { if enabled { lock.lock(); thread = pthread_self(); mark = now(); lock.unlock() } }
    }

    struct Total { var seconds = 0.0, calls = 0, fastest = Double.infinity, cpu = 0.0 }
    nonisolated(unsafe) static var details: [String: Total] = [:]
    nonisolated(unsafe) static var spans: [Key: Total] = [:]
    nonisolated(unsafe) static var phase = "-"
    nonisolated(unsafe) static var mark: UInt64 = 0
    nonisolated(unsafe) static var thread: pthread_t? = nil
    static let lock = NSLock()

    struct Key: Hashable { var phase: String, op: String }

    /// One attributed span: `op` inside `phase`.
    public struct Span: Sendable { public var phase: String, op: String, seconds: Double, calls: Int }
    /// One nested detail label.
    public struct Detail: Sendable { public var label: String, seconds: Double, calls: Int, fastest: Double, cpuSeconds: Double }

    @inline(__always) static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Closes the running span under `op` in the current phase (only on the thread that turned profiling on).
    @inline(__always)
    public static func endSpan(_ op: @autoclosure () -> String) {
        if !enabled { return }
        close(op())
    }

    /// Closes the running span as glue and enters `name`: spans until the next phase belong to it.
    @inline(__always)
    public static func enter(_ name: String) {
        if !enabled { return }
        close("(between ops)")
        lock.lock(); phase = name; lock.unlock()
    }

    private static func close(_ op: String) {
        guard let thread, pthread_equal(thread, pthread_self()) != 0 else { return }
        let t = now()
        lock.lock()
        let dt = Double(t &- mark) / 1e9
        mark = t
        spans[Key(phase: phase, op: op), default: Total()].seconds += dt
        spans[Key(phase: phase, op: op), default: Total()].calls += 1
        lock.unlock()
    }

    /// Runs `body`, adding its wall and process CPU time to the nested detail `label`.
    @inline(__always)
    public static func measure<R>(_ label: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        if !enabled { return try body() }
        let c0 = cpuTime()
        let t0 = now()
        let r = try body()
        let dt = Double(now() - t0) / 1e9
        let dc = cpuTime() - c0
        let key = label()
        lock.lock()
        var old = details[key] ?? Total()
        old.seconds += dt; old.calls += 1; old.fastest = min(old.fastest, dt); old.cpu += dc
        details[key] = old
        lock.unlock()
        return r
    }

    /// CPU seconds used by the whole process so far (all threads).
    static func cpuTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Clears everything measured and restarts the clock.
    public static func reset() {
        lock.lock(); details = [:]; spans = [:]; phase = "-"; mark = now(); lock.unlock()
    }

    /// Attributed spans, largest first.
    public static func spansReport() -> [Span] {
        lock.lock(); defer { lock.unlock() }
        return spans.map { Span(phase: $0.key.phase, op: $0.key.op, seconds: $0.value.seconds, calls: $0.value.calls) }
            .sorted { $0.seconds > $1.seconds }
    }

    /// Nested detail labels by total wall time, largest first, with each one's fastest call and the process
    /// CPU time spent during it (on a shared machine the CPU time is the steadier measure of cost).
    public static func report() -> [Detail] {
        lock.lock(); defer { lock.unlock() }
        return details.map { Detail(label: $0.key, seconds: $0.value.seconds, calls: $0.value.calls, fastest: $0.value.fastest,
                                    cpuSeconds: $0.value.cpu) }
            .sorted { $0.seconds > $1.seconds }
    }
}
