import Foundation
import XCTest
@testable import Physics

/// Scene files a careless or hostile user might pass: the error stays short, names the problem in
/// plain words and comes fast.
final class HostileSceneTests: XCTestCase {
    func testDuplicateKeyErrorDoesNotEchoTheInput() {
        let filler = String(repeating: "# padding\n", count: 100_000)
        XCTAssertThrowsError(try Scene(yaml: "name: a\nname: b\n" + filler, file: "dup.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("duplicated field(s) name"), text)
            XCTAssertLessThan(text.count, 200, "the message must not carry the file's contents")
        }
    }

    /// Ten entries of 10,000 bodies each passed the per-entry cap and hung in placement.
    func testTotalBodyCountIsCapped() throws {
        var yaml = try XCTUnwrap(Scene.shippedSource("bounce")).replacingOccurrences(of: "count: 8", with: "count: 10000")
        let entry = yaml.components(separatedBy: "bodies:\n")[1].components(separatedBy: "violations:")[0]
        for i in 1..<10 {
            yaml = yaml.replacingOccurrences(of: "violations:", with: entry.replacingOccurrences(of: "name: ball", with: "name: ball\(i)") + "violations:")
        }
        XCTAssertThrowsError(try Scene(yaml: yaml, file: "many.yaml")) { error in
            XCTAssertTrue("\(error)".contains("expected at most 10000 bodies in all (counts and chain links), got 100000"), "\(error)")
        }
    }

    func testDirectoriesAndDevicesAreNamedForWhatTheyAre() {
        XCTAssertThrowsError(try Scene.load(FileManager.default.temporaryDirectory.path)) {
            XCTAssertTrue("\($0)".contains("is a directory"), "\($0)")
        }
        XCTAssertThrowsError(try Scene.load("/dev/null")) {
            XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)")
        }
    }
}
