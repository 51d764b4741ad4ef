import CMPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The processes of a data-parallel run: rank `rank` of `count` (0 of 1 for a plain run).
///
/// MPI is linked always but initialised only when a launcher (mpirun, or srun with PMIx/PMI2) started the
/// process, so the window and every single-machine command run without an MPI runtime. Collectives return
/// errors instead of aborting (`MPI_ERRORS_RETURN`), and a watchdog ends a rank that waits longer than
/// `timeout` in one (a peer died or hangs) with a message saying so: MPI itself has no timeout.
public final class Ranks: @unchecked Sendable {
    public let rank: Int
    public let count: Int
    /// Ranks on this machine (they share its cores).
    public let local: Int
    /// Seconds a rank may wait in a collective before it gives up on the others.
    public let timeout: Double
    private let comm: MPI_Comm?
    private let watchdog: Watchdog?
    /// Whether MPI allows a second thread to call it while this one does not (a pending sum's progress thread).
    private let serialized: Bool

    /// A plain run: one process, no MPI.
    public static let single = Ranks()

    private init() { rank = 0; count = 1; local = 1; timeout = .infinity; comm = nil; watchdog = nil; serialized = false }

    public var isLeader: Bool { rank == 0 }
    public var isParallel: Bool { comm != nil && count > 1 }
    /// Whether MPI was initialised (also for one rank under mpirun).
    public var usesMPI: Bool { comm != nil }

    /// Environment variables a launcher sets for every process it starts.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]
    /// Environment variable naming `timeout` in seconds (default 300).
    public static let timeoutVariable = "TUMBLE_MPI_TIMEOUT"

    /// The ranks of this process's job: MPI's world when a launcher started it, else `single`.
    public static func launch(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> Ranks {
        guard launcherVariables.contains(where: { env[$0] != nil }) else {
            if let tasks = env["SLURM_STEP_NUM_TASKS"].flatMap(Int.init), tasks > 1 {
                throw RunError.ranks("srun started \(tasks) tasks, but no MPI process manager (PMIx or PMI2) reached this one, so each would train alone; launch with `srun --mpi=pmix tumble train …` (or `mpirun`)")
            }
            return .single
        }
        var timeout = 300.0
        if let text = env[timeoutVariable] {
            guard let t = Double(text), t > 0, t.isFinite else {
                throw RunError.ranks("\(timeoutVariable): expected a positive number of seconds, got \"\(text)\"")
            }
            timeout = t
        }
        return try Ranks(timeout: timeout)
    }

    private init(timeout: Double) throws {
        // Serialized: a pending sum's progress thread calls MPI while the main thread computes, never both at once.
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, tumble_mpi_thread_serialized(), &provided), "MPI_Init_thread")
        serialized = provided >= tumble_mpi_thread_serialized()
        let world = tumble_mpi_comm_world()
        try Self.check(MPI_Comm_set_errhandler(world, tumble_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0, n: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &n), "MPI_Comm_size")
        var node: MPI_Comm? = nil, onNode: Int32 = 1
        try Self.check(MPI_Comm_split_type(world, tumble_mpi_comm_type_shared(), r, tumble_mpi_info_null(), &node), "MPI_Comm_split_type")
        try Self.check(MPI_Comm_size(node, &onNode), "MPI_Comm_size")
        try Self.check(MPI_Comm_free(&node), "MPI_Comm_free")
        rank = Int(r); count = Int(n); local = Int(onNode)
        self.timeout = timeout
        comm = world
        watchdog = Watchdog(rank: Int(r), count: Int(n), timeout: timeout)
    }

    /// Sums `buffer` element-wise over every rank, in place: one `MPI_Allreduce`. Every rank must call it with
    /// the same count, in the same order. Open MPI picks its algorithm from the message size and the rank count
    /// alone, so the same K sums in the same order and gives the same bytes on every rank and every run.
    public func sum(_ buffer: inout [Float], what: String) throws {
        guard let comm, count > 1 else { return }
        watchdog!.begin(what)
        defer { watchdog!.end() }
        let code = buffer.withUnsafeMutableBytes { raw in
            MPI_Allreduce(tumble_mpi_in_place(), raw.baseAddress, Int32(raw.count / 4), tumble_mpi_float(), tumble_mpi_sum(), comm)
        }
        try Self.check(code, "MPI_Allreduce (\(what))")
    }

    /// Starts summing `count` floats at `buffer` element-wise over every rank, in place (`MPI_Iallreduce`), and
    /// returns at once; nil for a plain run. The buffer must stay put, and this thread make no other MPI call, until
    /// `PendingSum.wait` returns. The same K and count give the same algorithm, so the same bytes, as `sum` does.
    public func startSum(_ buffer: UnsafeMutablePointer<Float>, count n: Int, what: String) throws -> PendingSum? {
        guard let comm, count > 1 else { return nil }
        var request = tumble_mpi_request_null()
        try Self.check(MPI_Iallreduce(tumble_mpi_in_place(), buffer, Int32(n), tumble_mpi_float(), tumble_mpi_sum(), comm, &request),
                       "MPI_Iallreduce (\(what))")
        return PendingSum(request: request, what: what, watchdog: watchdog!, poll: serialized)
    }

    /// A sum in flight. Open MPI moves a non-blocking collective on only inside MPI calls, so a thread polls it
    /// (`MPI_Test` every 100 µs, sleeping between) while the caller computes: that is what lets the transfer
    /// overlap the computation even through a long op. Without MPI_THREAD_SERIALIZED it moves on in `wait` only.
    public final class PendingSum: @unchecked Sendable {
        private var request: MPI_Request?
        private let what: String
        private let watchdog: Watchdog
        private let lock = NSLock()
        private var complete = false, stop = false, failure: Int32?
        private let polled = DispatchSemaphore(value: 0)
        private let polling: Bool

        fileprivate init(request: MPI_Request?, what: String, watchdog: Watchdog, poll: Bool) {
            self.request = request; self.what = what; self.watchdog = watchdog; polling = poll
            guard poll else { return }
            let thread = Thread { [self] in self.poll() }
            thread.name = "tumble-mpi-progress"
            thread.start()
        }

        private func poll() {
            while true {
                lock.lock()
                if !stop {
                    var done: Int32 = 0
                    let code = MPI_Test(&request, &done, tumble_mpi_status_ignore())
                    if code != tumble_mpi_success() { failure = code } else if done != 0 { complete = true }
                }
                let over = stop || complete || failure != nil
                lock.unlock()
                if over { break }
                usleep(100)
            }
            polled.signal()
        }

        /// Stops the progress thread; it makes no MPI call once this returns.
        public func stopPolling() {
            guard polling else { return }
            lock.lock(); let running = !stop; stop = true; lock.unlock()
            if running { polled.wait() }
        }

        /// Waits until every rank's part has arrived (under the watchdog); returns whether it had already.
        @discardableResult
        public func wait() throws -> Bool {
            stopPolling()
            if let failure { try Ranks.check(failure, "MPI_Test (\(what))") }
            if complete { return true }
            watchdog.begin(what)
            defer { watchdog.end() }
            try Ranks.check(MPI_Wait(&request, tumble_mpi_status_ignore()), "MPI_Wait (\(what))")
            return false
        }
    }

    /// Waits for every rank (`MPI_Barrier`), under the watchdog.
    public func barrier(_ what: String) throws {
        guard let comm, count > 1 else { return }
        watchdog!.begin(what)
        defer { watchdog!.end() }
        try Self.check(MPI_Barrier(comm), "MPI_Barrier (\(what))")
    }

    /// Ends MPI (`MPI_Finalize`) once the run is done; nothing for a plain run.
    public func finish() {
        guard comm != nil else { return }
        MPI_Finalize()
    }

    fileprivate static func check(_ code: Int32, _ call: String) throws {
        guard code != tumble_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(tumble_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw RunError.ranks("\(call) failed: \(String(cString: text)) (another rank may have died)")
    }
}

/// Ends the process when its rank has waited longer than `timeout` in one collective: a peer that died
/// without the launcher noticing, or one that hangs, would otherwise keep every other rank waiting forever.
fileprivate final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var since: Date?
    private var what = ""
    private let rank: Int, count: Int, timeout: Double

    init(rank: Int, count: Int, timeout: Double) {
        self.rank = rank; self.count = count; self.timeout = timeout
        let thread = Thread { [self] in watch() }
        thread.name = "tumble-mpi-watchdog"
        thread.start()
    }

    func begin(_ what: String) { lock.lock(); since = Date(); self.what = what; lock.unlock() }
    func end() { lock.lock(); since = nil; lock.unlock() }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: min(1, timeout / 4))
            lock.lock()
            let waited = since.map { Date().timeIntervalSince($0) } ?? 0, doing = what
            lock.unlock()
            if waited > timeout {
                let message = String(format: "tumble: rank %d of %d waited %.0f s in %@ for the other ranks: one of them died or hangs; stopping (%@=SECONDS sets the wait)\n",
                                     rank, count, waited, doing, Ranks.timeoutVariable)
                FileHandle.standardError.write(Data(message.utf8))
                _exit(70)
            }
        }
    }
}
