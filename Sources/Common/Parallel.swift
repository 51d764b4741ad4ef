import Dispatch
import Foundation

/// Splits loops over the machine's cores; small loops stay on the calling thread because a dispatch
/// costs a few microseconds. The parts depend only on the count and `cores`, and each index writes only
/// its own outputs, so the results never depend on scheduling.
///
/// A thread that must keep to one core (a background learner beside a window: see `fanOut`) runs the
/// same parts in order on itself, so its results are the same bytes either way.
public enum Parallel {
    /// The core count work is split by, read once: `TUMBLE_CORES` when set, else the machine's. Sums split into parts
    /// (a loss, a weight gradient over a batch) depend on it, so a checkpoint's bytes do, and not on `allowedCores`
    /// or `fanOut`: `TUMBLE_CORES=2` on any machine splits work as on 2 cores, and so reproduces a 2-core run.
    public static let cores = (try? coresSetting(ProcessInfo.processInfo.environment)).flatMap { $0 }
        ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `TUMBLE_CORES` read strictly: nil when unset, a count in 1…1024, or an error naming the variable.
    public static func coresSetting(_ environment: [String: String]) throws -> Int? {
        guard let text = environment["TUMBLE_CORES"] else { return nil }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...1024).contains(n) else {
            throw SettingError("TUMBLE_CORES: expected a whole number of cores in 1…1024, got \"\(text)\"")
        }
        return n
    }

    /// A bad setting in the environment; the message names it and what was expected.
    public struct SettingError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Cores this process may run on: `cores`, or fewer when it is bound to some (taskset, or mpirun binding each
    /// rank to its own core). A process bound to one core should not fan out (`fanOut`).
    public static let allowedCores: Int = {
        // Linux's affinity mask, e.g. "Cpus_allowed:\tff,ffffffff" (Glibc's sched_getaffinity is not imported).
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return cores }
        let bound = line.dropFirst("Cpus_allowed:".count).reduce(0) { $0 + (Int(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
        return max(1, min(cores, bound))
    }()
    /// Elementwise loops shorter than this run serially.
    public static let grain = 1 << 15

    /// Calls `body(start, end)` over `0..<count` in up to `cores` contiguous ranges.
    @inlinable @inline(__always)
    public static func forRanges(_ count: Int, grain: Int = Parallel.grain, _ body: (Int, Int) -> Void) {
        let parts = min(cores, max(1, count / grain))
        if parts <= 1 { body(0, count); return }
        if !fanOut { for i in 0..<parts { body(count * i / parts, count * (i + 1) / parts) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            body(count * i / parts, count * (i + 1) / parts)
        }
    }

    /// Calls `body(i)` for each of `count` independent work items, at least `minimumChunk` items a core.
    @inlinable @inline(__always)
    public static func forEach(_ count: Int, minimumChunk: Int = 1, _ body: (Int) -> Void) {
        let parts = min(cores, max(1, count / max(1, minimumChunk)))
        if parts <= 1 || !fanOut { for i in 0..<count { body(i) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            var i = count * p / parts
            let end = count * (p + 1) / parts
            while i < end { body(i); i += 1 }
        }
    }

    @usableFromInline static let fanOutFlag = ThreadFlag()

    /// Per-thread switch (default true): whether loops started on this thread may spread over the other
    /// cores. Off, the thread keeps to itself (a low-priority background learner must not occupy the core
    /// a window draws with); the work is split into the same parts either way, so results are identical.
    /// OpenBLAS has its own, process-wide setting: `BLAS.threads`.
    public static var fanOut: Bool {
        get { fanOutFlag.value }
        set { fanOutFlag.value = newValue }
    }
}
