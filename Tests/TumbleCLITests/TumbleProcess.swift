import Foundation
import XCTest

/// The outcome of one process run: exit status and everything it printed.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Both streams, for assertions that do not care where a message went.
    var output: String { stdout + stderr }
}

/// Runs the real, built `tumble` binary (and `python3`) as child processes, so these tests see exactly
/// what a user sees: argument parsing, exit codes, files on disk.
enum TumbleProcess {
    /// The `tumble` executable of the build under test: the products directory holding the test bundle
    /// (`.build/<config>/`), or `TUMBLE_BINARY` when set.
    static let binary: URL? = {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["TUMBLE_BINARY"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        // On Linux the test bundle is an executable in the products directory; on macOS an .xctest bundle there.
        let bundle = Bundle(for: TumbleProcessMarker.self).bundleURL
        candidates.append(bundle.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for dir in candidates {
            let url = dir.appendingPathComponent("tumble")
            if fm.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// The package root (for Scenes/, scripts/ and README.md).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `tumble args...` in `directory`; fails the test if the binary cannot be found.
    static func tumble(_ args: [String], in directory: URL, environment: [String: String] = [:],
                       file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        guard let binary else {
            XCTFail("tumble binary not found next to the test bundle; build it (swift build -c release) or set TUMBLE_BINARY",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try run(binary, args, in: directory, environment: environment)
    }

    /// Runs any executable, capturing both streams (read concurrently so a chatty child never blocks).
    static func run(_ executable: URL, _ args: [String], in directory: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// `python3` on PATH, if any.
    static let python: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// Whether `python3 -c "import <module>"` works.
    static func pythonHas(_ module: String) -> Bool {
        guard let python, let r = try? run(python, ["-c", "import \(module)"], in: FileManager.default.temporaryDirectory) else {
            return false
        }
        return r.status == 0
    }

    static let hasNumPy: Bool = pythonHas("numpy")
    static let hasSafetensors: Bool = hasNumPy && pythonHas("safetensors")

    /// Skips the calling test with a clear message unless python3 with NumPy is available.
    static func requireNumPy() throws {
        guard python != nil else { throw XCTSkip("python3 is not installed: the NumPy interop check needs it") }
        guard hasNumPy else { throw XCTSkip("python3 has no numpy module (pip install numpy): the NumPy interop check needs it") }
    }

    /// Runs a Python program (text) in `directory` with extra arguments.
    static func python(_ program: String, _ args: [String] = [], in directory: URL) throws -> ProcessResult {
        try run(python!, ["-c", program] + args, in: directory)
    }
}

private final class TumbleProcessMarker {}

/// Bytes handed from the reader thread to the waiting one (the DispatchGroup orders the accesses).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A fresh directory under the system temporary directory, removed when the test ends.
func temporaryDirectory(_ tag: String, for test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-cli-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts a zero exit status, printing the command's output when it fails.
func XCTAssertSucceeded(_ r: ProcessResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, 0, "\(what) failed (exit \(r.status)):\n\(r.output)", file: file, line: line)
}

/// Asserts a non-zero exit status, printing the output when the command unexpectedly succeeds.
func XCTAssertFailed(_ r: ProcessResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotEqual(r.status, 0, "\(what) should have failed:\n\(r.output)", file: file, line: line)
}
