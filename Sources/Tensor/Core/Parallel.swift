import Dispatch
import Foundation

/// Splits large loops over the machine's cores; small loops stay on the calling thread because a
/// dispatch costs a few microseconds.
///
/// A thread that must keep to one core (a background learner beside a window: see `TensorThreads`)
/// runs the same parts in order on itself, so its results are the same bytes either way.
enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Elementwise loops shorter than this run serially.
    static let grain = 1 << 15

    /// Calls `body(start, end)` over `0..<count` in up to `cores` contiguous ranges.
    @inline(__always)
    static func forRanges(_ count: Int, grain: Int = Parallel.grain, _ body: (Int, Int) -> Void) {
        let parts = min(cores, max(1, count / grain))
        if parts <= 1 { body(0, count); return }
        if !TensorThreads.fanOut { for i in 0..<parts { body(count * i / parts, count * (i + 1) / parts) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            body(count * i / parts, count * (i + 1) / parts)
        }
    }

    /// Like `forRanges` but also passes the part index (for per-thread partial sums); returns the part count.
    @discardableResult @inline(__always)
    static func forParts(_ count: Int, grain: Int = Parallel.grain, _ body: (Int, Int, Int) -> Void) -> Int {
        let parts = min(cores, max(1, count / grain))
        if parts <= 1 { body(0, 0, count); return 1 }
        if !TensorThreads.fanOut { for i in 0..<parts { body(i, count * i / parts, count * (i + 1) / parts) }; return parts }
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            body(i, count * i / parts, count * (i + 1) / parts)
        }
        return parts
    }

    /// Calls `body(i)` for each of `count` independent work items, spread over the cores.
    @inline(__always)
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || cores == 1 || !TensorThreads.fanOut { for i in 0..<count { body(i) }; return }
        let parts = min(cores, count)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            var i = count * p / parts
            let end = count * (p + 1) / parts
            while i < end { body(i); i += 1 }
        }
    }
}

/// Per-thread switch: whether Tensor ops called on this thread may spread their loops over the other cores.
/// Off, the thread keeps to itself (a low-priority background learner must not occupy the core a window
/// draws with); the work is split into the same parts either way, so the results are identical.
/// OpenBLAS has its own, process-wide setting: `BLAS.threads`.
public enum TensorThreads {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Whether this thread's ops fan out (default true).
    public static var fanOut: Bool {
        get { pthread_getspecific(key) == nil }
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}
