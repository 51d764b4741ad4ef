import Foundation

/// A run stopped before its first checkpoint (killed, or out of memory) holds nothing worth keeping;
/// it may be started again in place, instead of "no checkpoint" on --resume and "not empty" on a
/// fresh start leaving the user to delete it by hand.
extension RunDirectory {
    /// What a run writes before its first checkpoint (the checkpoints folder holds at most temporary files).
    static let filesBeforeFirstCheckpoint: Set<String> = ["run.json", "config.yaml", "metrics.csv", "train.log", "report.html", "checkpoints"]

    /// Whether the directory holds a run's run.json (what `train` writes first) and otherwise only
    /// files a run writes before its first checkpoint; a config.yaml alone may be the user's own.
    var holdsRunWithoutCheckpoint: Bool {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: url.path), names.contains("run.json"),
              names.allSatisfy(Self.filesBeforeFirstCheckpoint.contains) else { return false }
        let saved = (try? fm.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        return saved.allSatisfy { $0.hasPrefix(".") && $0.contains(".tmp-") }
    }

    /// Removes the files of a run without a checkpoint, so it starts from step 0 in the same directory.
    func clearRunWithoutCheckpoint() throws {
        for name in Self.filesBeforeFirstCheckpoint {
            let item = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: item.path) else { continue }
            do { try FileManager.default.removeItem(at: item) } catch {
                throw RunError.runDirectory(path: item.path, message: "cannot remove it to restart the run: \(error.localizedDescription)")
            }
        }
    }
}
