import XCTest
@testable import WorldModel

/// `RUN/run.json` (what a run trains on) and the report page of a run without a checkpoint yet.
final class RunRecordTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testRecordsResolveToAbsolutePathsAndRoundTrip() throws {
        let sceneFile = directory.appendingPathComponent("my.yaml")
        try Data("name: x\n".utf8).write(to: sceneFile)
        let url = directory.appendingPathComponent("run.json")

        let shipped = RunRecord(.scene("bounce"))
        XCTAssertNil(shipped.path, "a shipped scene name stays a name")
        try shipped.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8),
                       "{\"argument\":\"bounce\",\"format\":\"tumble-run\",\"kind\":\"scene\",\"path\":null,\"version\":1}\n")
        XCTAssertEqual(try RunRecord.read(url), shipped)

        let saved = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(directory.path)
        let file = RunRecord(.scene("my.yaml"))
        let dataset = RunRecord(.dataset(URL(fileURLWithPath: "data/d", isDirectory: true)))
        FileManager.default.changeCurrentDirectoryPath(saved)
        XCTAssertEqual(file.path, sceneFile.path)
        XCTAssertEqual(dataset.argument, "data/d")
        XCTAssertEqual(dataset.path, directory.appendingPathComponent("data/d").path)
        for record in [file, dataset] {
            try record.write(to: url)
            XCTAssertEqual(try RunRecord.read(url), record)
        }
        guard case .dataset(let back) = dataset.data else { return XCTFail("\(dataset.data)") }
        XCTAssertEqual(back.path, directory.appendingPathComponent("data/d").path)
        XCTAssertEqual(dataset.commandLine, "--data \(directory.appendingPathComponent("data/d").path)")

        XCTAssertTrue(file.sameData(as: RunRecord(.scene(sceneFile.path))), "relative and absolute spellings of one file")
        XCTAssertFalse(file.sameData(as: shipped))
        XCTAssertFalse(shipped.sameData(as: RunRecord(.scene("push"))))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["my.yaml", "run.json"],
                       "written atomically: no temporary file left")
    }

    func testMissingRecordIsNilAndDamagedOnesAreNamedErrors() throws {
        let url = directory.appendingPathComponent("run.json")
        XCTAssertNil(try RunRecord.read(url))
        let cases: [(String, String)] = [
            ("{\"argument\":\"bou", "run.json: is not a JSON object"),
            ("{\"format\":\"tumble-dataset\",\"version\":1,\"kind\":\"scene\",\"argument\":\"x\"}", "format: expected \"tumble-run\", got \"tumble-dataset\""),
            ("{\"format\":\"tumble-run\",\"version\":2,\"kind\":\"scene\",\"argument\":\"x\"}", "version: expected 1, got 2"),
            ("{\"format\":\"tumble-run\",\"version\":1,\"kind\":\"video\",\"argument\":\"x\"}", "kind: expected \"scene\" or \"dataset\", got \"video\""),
            ("{\"format\":\"tumble-run\",\"version\":1,\"kind\":\"scene\"}", "argument: expected the --scene or --data argument (a string), got nothing"),
            ("{\"format\":\"tumble-run\",\"version\":1,\"kind\":\"scene\",\"argument\":\"x\",\"path\":\"rel/x\"}", "path: expected an absolute path or null, got rel/x"),
            ("{\"format\":\"tumble-run\",\"version\":1,\"kind\":\"dataset\",\"argument\":\"d\",\"path\":null}", "path: expected the dataset directory's absolute path"),
        ]
        for (text, message) in cases {
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try RunRecord.read(url), text) {
                XCTAssertTrue("\($0)".hasPrefix(url.path + ": "), "\($0)")
                XCTAssertTrue("\($0)".contains(message), "expected \(message) in: \($0)")
            }
        }
    }

    /// Before the first checkpoint the page still has the curves and says why there are no frames; a
    /// metrics row being written (no newline yet) is left out rather than failing the page.
    func testReportBeforeTheFirstCheckpoint() throws {
        try Data("step,loss,latent_std_min\n2,0.5,0.2\n4,0.25,0.1\n6,0.1".utf8).write(to: directory.appendingPathComponent("metrics.csv"))
        let page = try RunReport.write(run: directory, data: .scene("bounce"))
        XCTAssertEqual(page, directory.appendingPathComponent("report.html"))
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("No frame strips: the run has not saved a checkpoint yet"), html)
        XCTAssertTrue(html.contains("Loss terms") && html.contains("Collapse monitor: per-dimension latent std"), html)
        XCTAssertTrue(html.contains("loss 0.25"), "the last complete row is the last value shown")
        XCTAssertFalse(html.contains("loss 0.1"), "the unfinished row is left out")
        XCTAssertFalse(html.contains("<img"))
    }
}
