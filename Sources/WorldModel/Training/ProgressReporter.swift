import Foundation

/// Shows training progress: a one-line bar redrawn in place on a terminal, plain log lines otherwise.
/// Every log line also goes to the run's `train.log`.
final class ProgressReporter {
    private let isTTY: Bool
    private let logHandle: FileHandle?
    private let quiet: Bool
    private var lastDraw = 0.0

    init(logURL: URL?, quiet: Bool = false) {
        isTTY = isatty(STDERR_FILENO) != 0
        self.quiet = quiet
        if let url = logURL {
            if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
            logHandle = try? FileHandle(forWritingTo: url)
            _ = try? logHandle?.seekToEnd()
        } else { logHandle = nil }
    }

    deinit { try? logHandle?.close() }

    /// A line for the log (and stderr when not drawing a bar).
    func log(_ line: String) {
        let stamped = "[\(Self.timestamp())] \(line)\n"
        try? logHandle?.write(contentsOf: Data(stamped.utf8))
        guard !quiet else { return }
        if isTTY { FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + "\n").utf8)) }
        else { FileHandle.standardError.write(Data(stamped.utf8)) }
    }

    /// Redraws the bar (at most 10 times a second) on a terminal.
    func bar(step: Int, total: Int, loss: Double, framesPerSecond: Double, eta: Double) {
        guard isTTY, !quiet else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastDraw > 0.1 || step == total else { return }
        lastDraw = now
        let width = 28
        let filled = total > 0 ? min(width, width * step / total) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "%@ %d/%d  loss %.4f  %.0f frames/s  ETA %@", bar, step, total, loss, framesPerSecond, Self.duration(eta))
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date())
    }
}
