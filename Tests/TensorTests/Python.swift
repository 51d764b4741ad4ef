import Foundation
import XCTest

/// Runs python3 for the NumPy / safetensors cross-checks; tests skip (saying why) when it is missing.
enum Python {
    static let executable: String? = {
        // The first python3 on PATH (the one CI installs NumPy for), then the system one.
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/python3") { return d + "/python3" }
        return nil
    }()

    /// Runs `script` with `args`; returns stdout, or throws with stderr on failure.
    static func run(_ script: String, args: [String] = []) throws -> String {
        guard let exe = executable else { throw XCTSkip("python3 not found: NumPy cross-checks skipped") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-c", script] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "python", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: String(decoding: e, as: UTF8.self)])
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// Skips the test unless python3 can import `module`.
    static func require(_ module: String) throws {
        guard executable != nil else { throw XCTSkip("python3 not found: \(module) cross-check skipped") }
        do { _ = try run("import \(module)") } catch {
            throw XCTSkip("python3 cannot import \(module): cross-check skipped")
        }
    }

    /// The repository root (for scripts/).
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-tensor-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
