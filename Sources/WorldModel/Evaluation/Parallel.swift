import Dispatch
import Foundation

/// Cores available to this process, read once.
let availableCores = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body(i)` for i in 0..<count on all cores when the work is large enough.
/// Each index must write only its own outputs, so results never depend on scheduling.
func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    let workers = min(availableCores, max(1, count / max(1, minimumChunk)))
    if workers <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    let chunks = min(count, workers * 4)
    let per = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let start = c * per
        let end = min(count, start + per)
        if start < end { for i in start..<end { body(i) } }
    }
}
