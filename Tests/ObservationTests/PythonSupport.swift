import Foundation
import XCTest

/// Runs real NumPy on files Tumble wrote (no Tumble code on the Python side).
enum PythonSupport {
    /// python3's stdout for `script` with `arguments`; throws XCTSkip when python3 or NumPy is absent,
    /// and fails loudly when the script itself fails.
    static func run(_ script: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard numpyAvailable else { throw XCTSkip("python3 with numpy is not installed: NumPy interop not checked") }
        let (status, out, err) = try launch(["python3", "-c", script] + arguments)
        if status != 0 {
            XCTFail("python3 failed (\(status)):\n\(err)", file: file, line: line)
        }
        return out
    }

    /// Runs `scripts/check_dataset.py` (NumPy only) on a dataset directory: (exit status, stdout, stderr).
    static func checkDataset(_ dir: URL, json: Bool = true) throws -> (status: Int32, out: String, err: String) {
        guard numpyAvailable else { throw XCTSkip("python3 with numpy is not installed: NumPy interop not checked") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check_dataset.py")
        return try launch(["python3", script.path, dir.path] + (json ? ["--json"] : []))
    }

    static let numpyAvailable: Bool = {
        guard let r = try? launch(["python3", "-c", "import numpy"]) else { return false }
        return r.status == 0
    }()

    static func launch(_ argv: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// A fresh directory under the system temp dir, removed by the caller's `defer`.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tumble-obs-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
