import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C and SIGTERM ask a training run to stop after its current step, so it saves a checkpoint
/// and its report like a run stopped by --minutes instead of losing everything since the last one.
/// A second signal ends the process at once (the default action), for a run that will not stop.
/// SIGUSR1 asks the same: `mpirun` forwards it to every rank, while it answers Ctrl-C by tearing the job down.
public final class StopRequest: @unchecked Sendable {
    public static let shared = StopRequest()

    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, if any.
    public var signal: Int32? {
        lock.lock(); defer { lock.unlock() }
        return received
    }

    /// Records a stop request (what the signal handlers call; tests call it directly).
    func request(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        received = received ?? signal
    }

    func reset() {
        lock.lock(); defer { lock.unlock() }
        received = nil
    }

    /// Routes SIGINT, SIGTERM and SIGUSR1 here; after the first, the next one gets its default action.
    public func install() {
        for sig in [SIGINT, SIGTERM, SIGUSR1] {
            Glibc.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.request(sig)
                Glibc.signal(SIGINT, SIG_DFL)
                Glibc.signal(SIGTERM, SIG_DFL)
                Glibc.signal(SIGUSR1, SIG_DFL)
            }
            source.resume()
            lock.lock(); sources.append(source); lock.unlock()
        }
    }

    /// Name for messages ("SIGINT", "SIGTERM", or the number).
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(signal)"
        }
    }
}
