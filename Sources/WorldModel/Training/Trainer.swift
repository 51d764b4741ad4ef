import Common
import Foundation
import Tensor

/// Where a run's clips come from.
public enum TrainingData: Sendable {
    /// A scene file or shipped scene name: fresh simulated episodes, nothing on disk.
    case scene(String)
    /// A dataset directory written by `tumble record`.
    case dataset(URL)
}

/// What `tumble train` asks for.
public struct TrainOptions: Sendable {
    public var data: TrainingData
    public var run: URL
    public var config: TrainingConfig
    /// Wall-clock budget for this invocation; the run checkpoints and stops when it is spent.
    public var minutes: Double?
    public var resume: Bool
    /// No progress output on stderr (the log file still gets every line).
    public var quiet: Bool
    /// Time every op of the run's steps and print the table on stderr at the end.
    public var profile: Bool
    /// The processes training together (`Ranks.launch()` under mpirun or srun).
    public var ranks: Ranks
    public init(data: TrainingData, run: URL, config: TrainingConfig, minutes: Double? = nil, resume: Bool = false, quiet: Bool = false,
                profile: Bool = false, ranks: Ranks = .single) {
        self.data = data; self.run = run; self.config = config; self.minutes = minutes; self.resume = resume; self.quiet = quiet
        self.profile = profile; self.ranks = ranks
    }
}

/// How a run ended.
public struct TrainSummary: Sendable {
    public var step: Int
    public var lastCheckpoint: URL
    public var seconds: Double
    public var framesPerSecond: Double
    public var finalLoss: Double
    public var stoppedByTime: Bool
    /// SIGINT or SIGTERM when a signal stopped the run (checkpoint saved, as for --minutes).
    public var stoppedBySignal: Int32? = nil
    /// Frames per second of the step loop alone (data, steps, heads, logging, periodic checkpoints), without
    /// start-up and the final read-out refit: what `tumble bench` reports as the product's training speed.
    public var loopFramesPerSecond: Double = 0
}

/// The training loop: checks the request before touching any file, then drives a `TrainingSession` step by
/// step with its logs, checkpoints and time budget.
public enum Trainer {
    public static func train(_ options: TrainOptions) throws -> TrainSummary {
        try train(options, source: nil)
    }

    /// `source` replaces the one `options.data` names (tests train on synthetic clips this way).
    static func train(_ options: TrainOptions, source given: ClipSampler?) throws -> TrainSummary {
        let run = RunDirectory(options.run), ranks = options.ranks
        try checkSplit(options.config, ranks: ranks)
        // A rank bound to one core (mpirun's default for 2 ranks here) runs its loops' parts in turn on its own
        // thread: the same parts, so the same bytes as a process that spreads them over the cores.
        if ranks.usesMPI { Parallel.fanOut = min(Parallel.allowedCores, Parallel.cores / ranks.local) > 1 }
        // Everything that can be wrong is checked before any file is touched.
        var resumed: ModelCheckpoint.Contents? = nil
        let restart = options.resume && run.holdsRunWithoutCheckpoint  // nothing to resume: start it again
        if options.resume && !restart {
            try run.requireExistingRun()
            let stored = try TrainingConfig(contentsOf: run.config)
            let differences = options.config.differences(from: stored)
            if !differences.isEmpty { throw RunError.resumeMismatch(path: run.config.path, differences: differences) }
            resumed = try ModelCheckpoint.readContents(run.lastCheckpoint)
            let inCheckpoint = resumed!.config.differences(from: stored)
            if !inCheckpoint.isEmpty { throw RunError.resumeMismatch(path: run.lastCheckpoint.path, differences: inCheckpoint) }
        }
        if given == nil { try TrainingMemory.check(options.data, config: options.config) }
        let source = try given ?? ClipSampler.make(options.data, config: options.config, sharing: ranks.local)
        // The architecture must fit the data (e.g. decoder depth vs frame size) before anything is written.
        _ = try WorldNetwork(config: options.config, info: ModelInfo(data: source.description))
        // Rank 0 alone writes; the others never touch the run directory but to read a checkpoint to resume.
        let lock = ranks.isLeader ? try RunLock(run.url) : nil
        defer { withExtendedLifetime(lock) {} }
        if ranks.isLeader && (!options.resume || restart) { try run.prepareFresh(); try RunRecord(options.data).write(to: run.record) }
        return try train(options: options, run: run, source: source, resumed: resumed)
    }

    /// What a data-parallel run needs of the config: the global batch splits evenly, and every loss term splits
    /// exactly over the ranks (`Objective+Ranks.swift`).
    static func checkSplit(_ config: TrainingConfig, ranks: Ranks) throws {
        guard ranks.isParallel else { return }
        guard config.batchClips % ranks.count == 0 else {
            throw RunError.ranks("data.batch_clips=\(config.batchClips) does not split evenly over \(ranks.count) ranks; use a rank count that divides it, or --set data.batch_clips=\(config.batchClips / ranks.count * ranks.count + ranks.count)")
        }
        switch config.target {
        case .ema, .infomax: return
        case .vicreg, .sigreg:
            throw RunError.ranks("objective.target=\(config.target.rawValue) takes statistics over every clip of the batch that data-parallel training does not exchange between ranks (it would train another objective with every rank count); use ema or infomax under MPI, or train in one process")
        }
    }

    static func train(options: TrainOptions, run: RunDirectory, source: ClipSampler, resumed: ModelCheckpoint.Contents?) throws -> TrainSummary {
        let session = try TrainingSession(options: options, run: run, source: source, resumed: resumed)
        let config = options.config, total = config.steps
        let deadline = options.minutes.map { Date().addingTimeInterval($0 * 60) }
        var lastLoss = Double.nan, stoppedByTime = false
        if options.profile { Profiler.reset(); Profiler.enabled = true }
        let parallel = options.ranks.isParallel
        // Ranks stop together: each votes in the step's gradient exchange, and any vote stops all after that step.
        session.localVotes = { .init(time: deadline.map { Date() >= $0 } ?? false, signal: StopRequest.shared.signal != nil) }
        let loopStart = Date(), loopFirstStep = session.step
        while session.step < total {
            let outcome = try session.advance()
            Profiler.enter("logging")
            lastLoss = outcome.losses.jepa
            if session.step % config.logEvery == 0 || session.step == total { try session.log(outcome) }
            let eta = Double(total - session.step) * session.framesPerStep / max(session.rate, 1e-9)
            session.progress.bar(step: session.step, total: total, loss: outcome.losses.jepa, framesPerSecond: session.rate, eta: eta)
            if parallel {
                if session.votes.time, session.step < total { stoppedByTime = true; break }
                if session.votes.signal, session.step < total { break }
            } else {
                if let deadline, Date() >= deadline, session.step < total { stoppedByTime = true; break }
                if StopRequest.shared.signal != nil, session.step < total { break }
            }
            if session.step % config.checkpointEvery == 0 && session.step < total {
                Profiler.enter("checkpoint")
                try session.checkpoint(final: false)
            }
        }
        if Profiler.enabled {
            Profiler.enter("-")
            Profiler.enabled = false
            if options.ranks.isLeader { try writeProfile(TrainingProfile(steps: session.step - session.startStep, wall: Date().timeIntervalSince(loopStart)), run: run) }
        }
        let loopFPS = Double(session.step - loopFirstStep) * session.framesPerStep / max(Date().timeIntervalSince(loopStart), 1e-9)
        if session.needsFinalCheckpoint { try session.checkpoint(final: true) }
        let seconds = session.elapsed
        let fps = Double(session.step - session.startStep) * session.framesPerStep / max(seconds, 1e-9)
        let name = session.lastCheckpoint.lastPathComponent
        let signal = session.step < total ? StopRequest.shared.signal ?? (parallel && session.votes.signal ? SIGTERM : nil) : nil
        if let signal {
            session.progress.log("stopped by \(StopRequest.name(signal)) at step \(session.step) of \(total); checkpoint \(name) (continue with --resume)")
        } else {
            session.progress.log(stoppedByTime
                ? "time budget spent at step \(session.step) of \(total); checkpoint \(name) (continue with --resume)"
                : "done: step \(session.step), \(String(format: "%.0f", seconds)) s, \(String(format: "%.0f", fps)) frames/s, checkpoint \(name)")
        }
        return TrainSummary(step: session.step, lastCheckpoint: session.lastCheckpoint, seconds: seconds, framesPerSecond: fps,
                            finalLoss: lastLoss, stoppedByTime: stoppedByTime, stoppedBySignal: signal, loopFramesPerSecond: loopFPS)
    }

    /// `tumble train --profile`: where the steps' time went, on stderr and in `RUN/profile.json`.
    private static func writeProfile(_ profile: TrainingProfile, run: RunDirectory) throws {
        FileHandle.standardError.write(profile.text.data(using: .utf8)!)
        try AtomicFile.write(profile.json.serialized(), to: run.profile)
    }
}
