import Foundation
import XCTest

/// `mpirun -np K tumble train` end to end on the tiny model: the same K gives the same bytes, one rank under
/// mpirun gives the plain run's bytes, two ranks stay within summation-order noise of one, rank 0's checkpoint
/// resumes (with the same or another K), bad splits are refused, and a rank that dies or hangs stops the
/// others with an error instead of leaving them waiting.
final class DataParallelTrainTests: XCTestCase {
    /// `mpirun` on PATH (Debian's openmpi-bin, which scripts/install installs).
    static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// `mpirun --oversubscribe [--allow-run-as-root] -np K tumble ARGS` (as CI runs it, as root).
    func mpirunArguments(_ ranks: Int, _ args: [String]) throws -> (URL, [String]) {
        guard let mpirun = Self.mpirun, let tumble = TumbleProcess.binary else {
            XCTFail("mpirun (openmpi-bin; run scripts/install) and the built tumble binary are needed")
            throw CocoaError(.fileNoSuchFile)
        }
        return (mpirun, ["--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["-np", String(ranks), tumble.path] + args)
    }

    func mpi(_ ranks: Int, _ args: [String], in dir: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        let (mpirun, arguments) = try mpirunArguments(ranks, args)
        return try TumbleProcess.run(mpirun, arguments, in: dir, environment: environment)
    }

    func makeDirectory(_ tag: String) throws -> URL {
        let dir = try temporaryDirectory(tag, for: self)
        try TrainEvalCommandTests.tinyConfig.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    static let train = ["train", "--scene", "bounce", "--config", "tiny.yaml", "--quiet"]

    func checkpoint(_ dir: URL, _ run: String) throws -> Data {
        try Data(contentsOf: dir.appendingPathComponent("\(run)/checkpoints/last.safetensors"))
    }

    func testTwoRanksAreDeterministicAndResumeFromRankZerosCheckpoint() throws {
        let dir = try makeDirectory("mpi-two")
        XCTAssertSucceeded(try mpi(2, Self.train + ["--out", "A", "--steps", "6"], in: dir), "2-rank run A")
        XCTAssertSucceeded(try mpi(2, Self.train + ["--out", "B", "--steps", "6"], in: dir), "2-rank run B")
        XCTAssertEqual(try checkpoint(dir, "A"), try checkpoint(dir, "B"), "two 2-rank runs must give the same bytes")
        let meta = try SafetensorsFile(checkpoint(dir, "A")).metadata
        XCTAssertEqual(meta["ranks"], "2")
        let log = try String(contentsOf: dir.appendingPathComponent("A/train.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("data-parallel: 2 ranks"), log)
        XCTAssertTrue(log.contains("started before the main backward") && log.contains("heads' allreduce done within the backward in"), log)

        // Stopped at step 3 and resumed on 2 ranks: the uninterrupted run's bytes.
        XCTAssertSucceeded(try mpi(2, Self.train + ["--out", "C", "--steps", "3"], in: dir), "2-rank run to step 3")
        try FileManager.default.copyItem(at: dir.appendingPathComponent("C"), to: dir.appendingPathComponent("D"))
        XCTAssertSucceeded(try mpi(2, ["train", "--out", "C", "--resume", "--steps", "6", "--quiet"], in: dir), "2-rank resume")
        XCTAssertEqual(try checkpoint(dir, "C"), try checkpoint(dir, "A"), "a resumed 2-rank run must end as the uninterrupted one")

        // The same checkpoint resumed by one plain process: the same batches, summed in another order.
        let plain = try TumbleProcess.tumble(["train", "--out", "D", "--resume", "--steps", "6"], in: dir)
        XCTAssertSucceeded(plain, "resume of a 2-rank run in one process")
        XCTAssertTrue(plain.stderr.contains("the checkpoint was written by 2 ranks, this run has 1 rank"), plain.output)
        XCTAssertNil(try SafetensorsFile(checkpoint(dir, "D")).metadata["ranks"], "one process records no rank count")
        try assertClose(SafetensorsFile(checkpoint(dir, "D")), SafetensorsFile(checkpoint(dir, "A")), "K=2 resumed with K=1 vs K=2")
    }

    func testOneRankUnderMpirunIsThePlainRunAndTwoRanksOnlyReorderSums() throws {
        let dir = try makeDirectory("mpi-one")
        XCTAssertSucceeded(try TumbleProcess.tumble(Self.train + ["--out", "P", "--steps", "6"], in: dir), "plain run")
        XCTAssertSucceeded(try mpi(1, Self.train + ["--out", "M", "--steps", "6"], in: dir), "1-rank mpirun")
        XCTAssertEqual(try checkpoint(dir, "P"), try checkpoint(dir, "M"), "mpirun -np 1 must give the plain run's bytes")
        XCTAssertSucceeded(try mpi(2, Self.train + ["--out", "T", "--steps", "6"], in: dir), "2-rank run")
        try assertClose(SafetensorsFile(checkpoint(dir, "T")), SafetensorsFile(checkpoint(dir, "P")), "K=2 vs K=1")
    }

    func testSplitsThatCannotBeHonouredAreRefused() throws {
        let dir = try makeDirectory("mpi-refuse")
        let uneven = try mpi(3, Self.train + ["--out", "U", "--steps", "2"], in: dir)
        XCTAssertNotEqual(uneven.status, 0)
        XCTAssertTrue(uneven.stderr.contains("data.batch_clips=4 does not split evenly over 3 ranks"), uneven.output)
        let sigreg = try mpi(2, Self.train + ["--out", "S", "--steps", "2", "--set", "objective.target=sigreg"], in: dir)
        XCTAssertNotEqual(sigreg.status, 0)
        XCTAssertTrue(sigreg.stderr.contains("objective.target=sigreg"), sigreg.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("S/checkpoints").path))
    }

    /// `tumble bench --only allreduce` starts 2 ranks itself and reports the transfer of a step's buffer.
    func testBenchReportsTheAllreduceBetweenTwoLocalRanks() throws {
        let r = try TumbleProcess.tumble(["bench", "--only", "allreduce", "--json"], in: TumbleProcess.packageRoot)
        XCTAssertSucceeded(r, "bench --only allreduce")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.output)
        XCTAssertGreaterThan(object["allreduce_gb_per_s"] as? Double ?? 0, 0, r.stdout)
        let bytes = try XCTUnwrap(object["allreduce_bytes"] as? [String: Double], r.stdout)
        XCTAssertGreaterThan(bytes["reference"] ?? 0, bytes["default"] ?? .infinity, "the reference model is the larger")
        XCTAssertEqual((bytes["default"] ?? 1).truncatingRemainder(dividingBy: 4), 0, "float32 gradients")
        // The shipped config's probe and decoder hold 315,907 floats, its encoder and predictor 9,130 (+ 9 for losses
        // and votes): the heads' bucket, summed during the backward, is most of the bytes.
        let heads = try XCTUnwrap(object["allreduce_heads_bytes"] as? [String: Double], r.stdout)
        XCTAssertEqual(heads["default"], 315_907 * 4, r.stdout)
        XCTAssertEqual(bytes["default"], (315_907 + 9_130 + 9) * 4, r.stdout)
        XCTAssertLessThan(heads["reference"] ?? .infinity, bytes["reference"] ?? 0)
    }

    /// Every rank refuses the same diverging step (losses are averaged first); rank 0 writes the page and all exit.
    func testADivergedRunStopsEveryRankAndLeavesItsPage() throws {
        let dir = try makeDirectory("mpi-diverge")
        let r = try mpi(2, Self.train + ["--out", "R", "--steps", "6", "--set", "train.max_loss=1e-12"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("exceeded train.max_loss"), r.output)
        XCTAssertTrue(r.stderr.contains("report (up to the divergence)"), r.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("R/report.html").path))
    }

    /// A rank killed mid-run: mpirun notices, stops the other rank and fails, within seconds.
    func testAKilledRankStopsTheOthers() throws {
        let dir = try makeDirectory("mpi-kill")
        let result = try runAndDisturb(dir: dir, signal: SIGKILL, environment: [:])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("signal 9") || result.output.contains("Killed"), result.output)
    }

    /// A rank that stops answering (SIGSTOP): the other gives up after TUMBLE_MPI_TIMEOUT with a message.
    func testAHangingRankTimesOutWithAClearError() throws {
        let dir = try makeDirectory("mpi-hang")
        let result = try runAndDisturb(dir: dir, signal: SIGSTOP, environment: ["TUMBLE_MPI_TIMEOUT": "3"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stderr.contains("rank 0 of 2 waited"), result.output)
        XCTAssertTrue(result.stderr.contains("one of them died or hangs"), result.output)
    }

    /// Starts a long 2-rank run, waits for its first logged step, sends `signal` to rank 1 and returns how the
    /// job ended (within two minutes, or the test fails).
    private func runAndDisturb(dir: URL, signal: Int32, environment: [String: String]) throws -> ProcessResult {
        let (mpirun, arguments) = try mpirunArguments(2, ["train", "--scene", "bounce", "--config", "tiny.yaml", "--out", "K",
                                                          "--steps", "100000", "--set", "train.log_every=1"])
        let process = Process()
        process.executableURL = mpirun
        process.arguments = arguments
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = dir.appendingPathComponent("out.txt"), err = dir.appendingPathComponent("err.txt")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        var ranks: [pid_t] = []
        defer { for pid in ranks { kill(pid, SIGKILL) }; if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let log = dir.appendingPathComponent("K/train.log")
        var started = Date()
        while Date().timeIntervalSince(started) < 120 {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("step 2/") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        ranks = children(of: process.processIdentifier)
        XCTAssertEqual(ranks.count, 2, "mpirun's rank processes")
        guard ranks.count == 2 else { return ProcessResult(status: -1, stdout: "", stderr: "") }
        // The higher pid was started second; either rank dying must stop the job, so which one does not matter.
        kill(ranks.max()!, signal)
        started = Date()
        while process.isRunning && Date().timeIntervalSince(started) < 120 { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertFalse(process.isRunning, "the job kept running \(Int(Date().timeIntervalSince(started))) s after a rank got signal \(signal)")
        if process.isRunning { return ProcessResult(status: -1, stdout: "", stderr: "") }
        return ProcessResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                             stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Processes whose parent is `pid` (from /proc).
    private func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid && stat.contains("(tumble)")
        }
    }

    /// Every tensor of `a` within 2 % (relative to the tensor's largest magnitude) of `b`'s: ranks change
    /// only the order of sums, which six Adam steps do not amplify beyond that.
    private func assertClose(_ a: SafetensorsFile, _ b: SafetensorsFile, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys), what, file: file, line: line)
        var worst = (name: "", error: 0.0)
        for (name, x) in a.tensors where !name.hasPrefix("optim.") {
            guard let y = b.tensors[name], x.count == y.count else { continue }
            let scale = Double(y.map(abs).max() ?? 0)
            guard scale > 0 else { continue }
            let error = zip(x, y).map { Double(abs($0 - $1)) }.max()! / scale
            if error > worst.error { worst = (name, error) }
        }
        XCTAssertLessThan(worst.error, 0.02, "\(what): tensor \(worst.name) differs by \(worst.error) of its scale", file: file, line: line)
    }
}

/// A safetensors file's metadata and float32 tensors (the 20-line reader the README describes).
struct SafetensorsFile {
    var metadata: [String: String]
    var tensors: [String: [Float]]

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        guard let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any] else {
            throw CLIFailure(message: "safetensors header is not a JSON object")
        }
        metadata = header["__metadata__"] as? [String: String] ?? [:]
        tensors = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], entry["dtype"] as? String == "F32",
                  let offsets = entry["data_offsets"] as? [Int] else { continue }
            let start = 8 + length + offsets[0], end = 8 + length + offsets[1]
            tensors[name] = stride(from: start, to: end, by: 4).map { i in
                Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            }
        }
    }
}
