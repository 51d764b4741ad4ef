import Common
import Foundation

/// `metrics.csv`: a fixed header of named columns, one row per logged step. Appends go straight to disk
/// (a killed run keeps every row it logged); on resume, rows past the resumed step are dropped first so
/// the file reads as if the run had never stopped.
final class MetricsLog {
    static let columns = [
        "step", "lr", "loss", "loss_pred", "loss_rollout", "loss_reg", "loss_idm", "loss_probe", "loss_decoder",
        "latent_std_mean", "latent_std_min", "dead_fraction", "effective_rank", "ema_momentum",
        "grad_norm", "frames_per_s", "elapsed_s",
    ]
    let url: URL
    private let handle: FileHandle

    /// Opens the log; with `resumeAt`, keeps the header and the rows with step ≤ resumeAt.
    init(url: URL, resumeAt: Int?) throws {
        self.url = url
        let header = Self.columns.joined(separator: ",") + "\n"
        var text = header
        if let step = resumeAt, let old = try? String(contentsOf: url, encoding: .utf8) {
            let lines = old.split(separator: "\n", omittingEmptySubsequences: true)
            if let first = lines.first, first + "\n" == header {
                for line in lines.dropFirst() {
                    if let s = Int(line.prefix(while: { $0 != "," })), s <= step { text += line + "\n" }
                }
            }
        }
        try AtomicFile.write(text, to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends one row; missing columns are left empty.
    func append(_ row: [String: Double]) throws {
        let cells = Self.columns.map { c -> String in
            guard let v = row[c] else { return "" }
            if c == "step" { return String(Int(v)) }
            return v.isFinite ? String(format: "%.6g", v) : "nan"
        }
        try handle.write(contentsOf: Data((cells.joined(separator: ",") + "\n").utf8))
    }
}

/// Reads metrics.csv back into columns (for reports and tests).
public func readMetrics(_ url: URL) throws -> [String: [Double]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    let lines = text.split(separator: "\n")
    guard let header = lines.first else { return [:] }
    let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    var out: [String: [Double]] = Dictionary(uniqueKeysWithValues: names.map { ($0, []) })
    for line in lines.dropFirst() {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        for (name, cell) in zip(names, cells) { out[name]!.append(Double(cell) ?? .nan) }
    }
    return out
}
