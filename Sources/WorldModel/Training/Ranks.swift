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

    /// A plain run: one process, no MPI.
    public static let single = Ranks()

    private init() { rank = 0; count = 1; local = 1; timeout = .infinity; comm = nil; watchdog = nil }

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
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, tumble_mpi_thread_funneled(), &provided), "MPI_Init_thread")
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

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != tumble_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(tumble_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw RunError.ranks("\(call) failed: \(String(cString: text)) (another rank may have died)")
    }
}

/// Ends the process when its rank has waited longer than `timeout` in one collective: a peer that died
/// without the launcher noticing, or one that hangs, would otherwise keep every other rank waiting forever.
private final class Watchdog: @unchecked Sendable {
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
