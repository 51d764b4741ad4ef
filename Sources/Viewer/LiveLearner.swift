import Foundation
import Tensor

/// Runs `ViewerModel.learnStep()` in a background thread while the window keeps drawing, and hands the
/// losses back to the main thread. Stopping never waits for a step in flight: the thread notices the flag
/// after its current step and exits on its own.
///
/// The thread keeps to one core at a lower priority (nice +10), so on a 2-core machine the window's
/// thread always has a core and wins any contention for it.
final class LiveLearner {
    private let model: ViewerModel
    private let lock = NSLock()
    private var pending: [Float] = []
    private var running = false
    private var generation = 0
    private var steps = 0
    private var threadsAlive = 0
    private let idle = NSCondition()
    /// When learning was last switched on (uptime ns), and the seconds it was on before that.
    private var onSince: UInt64?
    private var secondsBefore: Double = 0
    private var stepCPUSeconds: Double = 0
    private var latestLoss: Float?

    init(model: ViewerModel) { self.model = model }

    /// Training steps that returned a loss.
    var stepCount: Int { lock.lock(); defer { lock.unlock() }; return steps }

    /// The loss of the latest step that returned one (so a headless run can report it).
    var lastLoss: Float? { lock.lock(); defer { lock.unlock() }; return latestLoss }

    var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }

    /// CPU seconds the learning thread spent in steps that returned a loss: what a step costs on a free
    /// core, whatever else the machine is doing.
    var cpuSecondsInSteps: Double { lock.lock(); defer { lock.unlock() }; return stepCPUSeconds }

    /// Seconds learning has been switched on in total (for steps per second).
    var secondsOn: Double {
        lock.lock(); defer { lock.unlock() }
        return secondsBefore + (onSince.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e9 } ?? 0)
    }

    func start() {
        lock.lock()
        guard !running else { lock.unlock(); return }
        running = true
        onSince = DispatchTime.now().uptimeNanoseconds
        generation += 1
        let myGeneration = generation
        lock.unlock()
        idle.lock(); threadsAlive += 1; idle.unlock()
        let t = Thread { [weak self] in self?.loop(generation: myGeneration) }
        t.name = "tumble-live-learning"
        t.qualityOfService = .utility
        t.start()
    }

    func stop() {
        lock.lock()
        if let t = onSince { secondsBefore += Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }
        onSince = nil
        running = false
        lock.unlock()
    }

    /// Stops and waits (at most `timeout` seconds) for the thread to leave, e.g. before the model goes away.
    func stopAndWait(timeout: TimeInterval = 5) {
        stop()
        idle.lock()
        let deadline = Date().addingTimeInterval(timeout)
        while threadsAlive > 0 && idle.wait(until: deadline) {}
        idle.unlock()
    }

    /// Losses produced since the last call, oldest first.
    func drainLosses() -> [Float] {
        lock.lock(); defer { lock.unlock() }
        let out = pending
        pending.removeAll(keepingCapacity: true)
        return out
    }

    private func loop(generation g: Int) {
        defer { idle.lock(); threadsAlive -= 1; idle.broadcast(); idle.unlock() }
        Self.yieldToTheWindow()
        while true {
            lock.lock()
            let go = running && generation == g
            lock.unlock()
            guard go else { return }
            let started = DispatchTime.now().uptimeNanoseconds, cpuStarted = Self.threadCPUSeconds()
            let loss = model.learnStep()
            let took = DispatchTime.now().uptimeNanoseconds - started
            let cpu = Self.threadCPUSeconds() - cpuStarted
            lock.lock()
            if let loss {
                pending.append(loss)
                if pending.count > 4096 { pending.removeFirst(pending.count - 4096) }
                steps += 1
                latestLoss = loss
                stepCPUSeconds += cpu
            }
            lock.unlock()
            // Cheap steps (or no data yet) must not spin a core the window and physics need.
            if loss == nil { Thread.sleep(forTimeInterval: 0.02) } else if took < 2_000_000 { Thread.sleep(forTimeInterval: 0.002) }
        }
    }

    /// Lowers this thread's priority (on Linux the nice value is per thread) and keeps its tensor ops
    /// from spreading onto the window's core. Results are the same either way.
    static func yieldToTheWindow() {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        TensorThreads.fanOut = false
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
