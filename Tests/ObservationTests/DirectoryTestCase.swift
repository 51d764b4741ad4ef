import Foundation
import XCTest

/// Tests that write recordings: temporary directories removed after each test, and a directory's files by name
/// (to compare recordings byte for byte).
class DirectoryTestCase: XCTestCase {
    var dirs: [URL] = []

    override func tearDown() {
        for d in dirs { try? FileManager.default.removeItem(at: d) }
        dirs = []
        super.tearDown()
    }

    /// A fresh directory, removed in `tearDown`.
    func tempDir() throws -> URL {
        let d = try makeTemporaryDirectory()
        dirs.append(d)
        return d
    }

    /// Every file of a directory, by name.
    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return out
    }
}
