import Foundation

/// The layout of a run directory:
///
///     RUN/run.json                 the data source (`RunRecord`), so --resume and --report need only --out
///     RUN/config.yaml              resolved config (every key)
///     RUN/metrics.csv              one row per logged step
///     RUN/train.log                the log lines
///     RUN/checkpoints/step-N.safetensors, RUN/checkpoints/last.safetensors
///     RUN/report.html              the report page (`RunReport`), at the end of a run and on demand
///     RUN/profile.json             where the steps' time went (`--profile` only)
public struct RunDirectory: Sendable {
    public let url: URL
    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var record: URL { url.appendingPathComponent("run.json") }
    public var config: URL { url.appendingPathComponent("config.yaml") }
    public var metrics: URL { url.appendingPathComponent("metrics.csv") }
    public var log: URL { url.appendingPathComponent("train.log") }
    public var report: URL { url.appendingPathComponent("report.html") }
    public var profile: URL { url.appendingPathComponent("profile.json") }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    public var lastCheckpoint: URL { checkpoints.appendingPathComponent("last.safetensors") }
    public func checkpoint(step: Int) -> URL { checkpoints.appendingPathComponent("step-\(step).safetensors") }

    /// For a new run: the directory must not exist or be empty (nothing of another run is overwritten),
    /// or hold only a run stopped before its first checkpoint (restarted in place).
    func prepareFresh() throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw RunError.runDirectory(path: url.path, message: "exists and is not a directory") }
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && holdsRunWithoutCheckpoint {
                try clearRunWithoutCheckpoint()
            } else if !contents.isEmpty {
                throw RunError.runDirectory(path: url.path, message: "is not empty (holds \(contents.sorted().prefix(3).joined(separator: ", "))); use --resume to continue that run or choose a new --out")
            }
        }
        try ensureWritable()
    }

    /// Creates the directory and its checkpoints folder and proves they take a file.
    func ensureWritable() throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: checkpoints, withIntermediateDirectories: true) } catch {
            throw RunError.runDirectory(path: url.path, message: "cannot create: \(error.localizedDescription)")
        }
        guard fm.isWritableFile(atPath: url.path), fm.isWritableFile(atPath: checkpoints.path) else {
            throw RunError.runDirectory(path: url.path, message: "is not writable")
        }
    }

    /// For `--resume`: the directory must hold a run (config and last checkpoint).
    func requireExistingRun() throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: config.path) else {
            throw RunError.runDirectory(path: url.path, message: "--resume needs a run directory with config.yaml; none found")
        }
        guard fm.fileExists(atPath: lastCheckpoint.path) else {
            throw RunError.runDirectory(path: lastCheckpoint.path, message: "--resume needs the run's last checkpoint; not found")
        }
        try ensureWritable()
    }
}
