import ArgumentParser
import Foundation
import Observation
import Physics
#if canImport(Glibc)
import Glibc
#endif

/// `tumble record`: a scene becomes a dataset directory (manifest.json + shard-*.npz) that NumPy loads.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a scene into a dataset directory (manifest.json + shard-NNNNN.npz, loadable by numpy.load).",
        discussion: """
        Each shard holds frames uint8 [E,T,H,W,C], states float32 [E,T,N,6] (x, y, angle, vx, vy, omega), \
        actions float32 [E,T,A], collisions bool [E,T,N], seeds int64 [E]; a scene whose body count varies \
        adds mask bool [E,N]; --violations adds violation_frame int32 [E] (-1: possible clip), pair int64 [E] \
        and violation_type <U12 [E], recording matched pairs (episode 2p possible, 2p+1 impossible).

        Job arrays: run `--shard I/K` (I = 0..K-1) on K machines with the same flags, into one shared \
        directory or one each; then `tumble record --join DIR...` [--out DIR] verifies and joins the parts.

        Examples:
          tumble record bounce --out data/bounce --episodes 512 --steps 128
          tumble record bounce --out data/pairs --episodes 200 --steps 64 --violations
          tumble record push --out data/push --shard 0/4     (then 1/4, 2/4, 3/4 elsewhere)
          tumble record --join data/push
        """)

    @Argument(help: "A shipped scene name or a scene YAML file (with --join: the directories holding the parts).")
    var inputs: [String] = []

    @Option(help: "Output dataset directory (must be new or empty unless --resume).")
    var out: String?

    @Option(parsing: .unconditional, help: "Number of episodes.")
    var episodes: Int = 64

    @Option(parsing: .unconditional, help: "Observations per episode.")
    var steps: Int = 128

    @Option(help: "Base seed; episode seeds are derived from it (see the manifest's seeds.rule).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Square frame side in pixels (default: the scene camera's).")
    var resolution: Int?

    @Flag(help: "Record IntPhys-style matched pairs (possible/impossible clips) with violation labels.")
    var violations = false

    @Option(help: "Record part I of K (I = 0..K-1) of the dataset: shards s with s mod K = I.")
    var shard: String?

    @Flag(help: "Continue an interrupted recording in --out (intact shards are kept, damaged ones rewritten).")
    var resume = false

    @Option(name: .customLong("episodes-per-shard"), parsing: .unconditional, help: "Episodes per shard file (default: about 128 MiB per shard).")
    var episodesPerShard: Int?

    @Flag(help: "Join the part manifests found in the given directories into one dataset (in --out, or the first directory).")
    var join = false

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var workers: Int?

    func validate() throws {
        if join {
            guard !inputs.isEmpty else { throw ValidationError("--join needs the directories holding the parts") }
            let extras: [(Bool, String)] = [(shard != nil, "--shard"), (resume, "--resume"), (violations, "--violations"), (resolution != nil, "--resolution"), (episodesPerShard != nil, "--episodes-per-shard")]
            if let bad = extras.first(where: { $0.0 }) { throw ValidationError("\(bad.1) does not apply to --join") }
            return
        }
        guard inputs.count == 1 else {
            throw ValidationError(inputs.isEmpty ? "give the scene to record (a shipped name such as bounce, or a YAML file)"
                                                 : "give exactly one scene (got \(inputs.count): \(inputs.joined(separator: " ")))")
        }
        guard out != nil else { throw ValidationError("--out DIR is required") }
        if let w = workers, w < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        if join {
            let manifest = try Recorder.join(inputs.map { URL(fileURLWithPath: $0) }, into: out.map { URL(fileURLWithPath: $0) }) {
                FileHandle.standardError.write(Data("record: \($0)\n".utf8))
            }
            let dir = out ?? inputs[0]
            print("joined \(manifest.shardCount) shards (\(manifest.episodes) episodes) → \(dir)/\(DatasetManifest.fileName)")
            return
        }
        let scene = try Scene.load(inputs[0])
        var options = RecordOptions(scene: scene, output: URL(fileURLWithPath: out!), tumbleVersion: TumbleVersion.string)
        options.episodes = episodes
        options.steps = steps
        options.seed = seed
        options.resolution = resolution
        options.violations = violations
        options.part = try shard.map(RecordOptions.parsePart)
        options.resume = resume
        options.episodesPerShard = episodesPerShard
        if let workers { options.workers = workers }

        let recorder = try Recorder(options: options)
        let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) != 0, steps: steps)
        recorder.onProgress = { display.update($0) }
        recorder.onMessage = { display.message($0) }
        let plan = recorder.plan
        display.message("\(scene.name): \(recorder.ownShards.count) of \(plan.shardCount) shards, \(plan.episodes) episodes × \(plan.steps) steps, \(plan.frame.width)×\(plan.frame.height)×\(plan.frame.channels) frames → \(options.output.path)")
        let summary: RecordSummary
        do { summary = try recorder.run() } catch {
            display.finish()
            throw error
        }
        display.finish()
        let fps = summary.seconds > 0 ? Double(summary.framesRecorded) / summary.seconds : 0
        print("recorded \(summary.shardsWritten) shards (\(summary.framesRecorded) frames) in \(String(format: "%.1f", summary.seconds)) s, \(Int(fps)) frames/s; kept \(summary.shardsKept) → \(summary.manifestURL.path)")
    }
}

/// Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise.
final class ProgressDisplay: @unchecked Sendable {
    let terminal: Bool
    let steps: Int
    private var lastDraw = 0.0
    private var barShown = false
    private let lock = NSLock()

    init(terminal: Bool, steps: Int) {
        self.terminal = terminal
        self.steps = steps
    }

    func update(_ p: RecordProgress) {
        lock.lock()
        defer { lock.unlock() }
        let finished = p.episodesDone == p.episodesTotal
        guard finished || p.elapsedSeconds - lastDraw >= (terminal ? 0.1 : 5) else { return }
        lastDraw = p.elapsedSeconds
        let fps = p.elapsedSeconds > 0 ? Double(p.framesRecorded) / p.elapsedSeconds : 0
        let remainingFrames = Double((p.episodesTotal - p.episodesDone) * steps)
        let eta = fps > 0 ? Self.clock(remainingFrames / fps) : "?"
        let counts = "\(p.episodesDone)/\(p.episodesTotal) episodes  \(Int(fps)) frames/s  ETA \(eta)"
        if terminal {
            let width = 30
            let filled = p.episodesTotal > 0 ? width * p.episodesDone / p.episodesTotal : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(counts)".utf8))
            barShown = true
        } else {
            FileHandle.standardError.write(Data("record: \(counts)\n".utf8))
        }
    }

    func message(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let prefix = terminal && barShown ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(prefix)record: \(text)\n".utf8))
        barShown = false
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal && barShown { FileHandle.standardError.write(Data("\n".utf8)) }
        barShown = false
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
