import Foundation

/// Writes that appear whole or not at all: a temporary file in the same directory, flushed, then renamed.
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw RunError.io(path: url.path, message: "cannot create a temporary file in \(dir.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: tmp)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw RunError.io(path: url.path, message: "write failed: \(error.localizedDescription)")
        }
        if rename(tmp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw RunError.io(path: url.path, message: "rename failed: \(reason)")
        }
    }

    static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// Errors of a training run: each names the file or setting at fault and what was expected.
public enum RunError: Error, CustomStringConvertible {
    case io(path: String, message: String)
    case runDirectory(path: String, message: String)
    case resumeMismatch(path: String, differences: [String])
    case data(source: String, message: String)
    case divergence(step: Int, message: String)
    case checkpoint(path: String, message: String)

    public var description: String {
        switch self {
        case .io(let p, let m): return "\(p): \(m)"
        case .runDirectory(let p, let m): return "\(p): \(m)"
        case .resumeMismatch(let p, let d):
            return "\(p): --resume refused, the config differs from the run's:\n  " + d.joined(separator: "\n  ")
        case .data(let s, let m): return "\(s): \(m)"
        case .divergence(let step, let m): return "training stopped at step \(step): \(m)"
        case .checkpoint(let p, let m): return "\(p): \(m)"
        }
    }
}
