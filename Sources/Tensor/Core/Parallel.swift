import Dispatch

/// Splits large loops over the machine's cores; small loops stay on the calling thread because a
/// dispatch costs a few microseconds.
enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Elementwise loops shorter than this run serially.
    static let grain = 1 << 15

    /// Calls `body(start, end)` over `0..<count` in up to `cores` contiguous ranges.
    @inline(__always)
    static func forRanges(_ count: Int, grain: Int = Parallel.grain, _ body: (Int, Int) -> Void) {
        let parts = min(cores, max(1, count / grain))
        if parts <= 1 { body(0, count); return }
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            body(count * i / parts, count * (i + 1) / parts)
        }
    }

    /// Like `forRanges` but also passes the part index (for per-thread partial sums); returns the part count.
    @discardableResult @inline(__always)
    static func forParts(_ count: Int, grain: Int = Parallel.grain, _ body: (Int, Int, Int) -> Void) -> Int {
        let parts = min(cores, max(1, count / grain))
        if parts <= 1 { body(0, 0, count); return 1 }
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            body(i, count * i / parts, count * (i + 1) / parts)
        }
        return parts
    }

    /// Calls `body(i)` for each of `count` independent work items, spread over the cores.
    @inline(__always)
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || cores == 1 { for i in 0..<count { body(i) }; return }
        let parts = min(cores, count)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            var i = count * p / parts
            let end = count * (p + 1) / parts
            while i < end { body(i); i += 1 }
        }
    }
}

import Foundation
