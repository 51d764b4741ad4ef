import Foundation
import XCTest

/// `TUMBLE_CORES`: the core count work is split by. Sums split into parts follow it, so a checkpoint's bytes do;
/// setting it reproduces another machine's split, whatever cores this one has or the process may use.
final class CoreCountTests: XCTestCase {
    private func trainOneStep(_ dir: URL, _ out: String, cores: String, pinned: Bool = false) throws -> Data {
        var args = ["train", "--scene", "bounce", "--config", TumbleProcess.packageRoot.appendingPathComponent("Assets/default-config.yaml").path,
                    "--out", out, "--steps", "1", "--set", "probe.refit_batches=0", "--quiet"]
        let r: ProcessResult
        if pinned {
            // One allowed core (taskset): the split must still be TUMBLE_CORES's.
            args.insert(try XCTUnwrap(TumbleProcess.binary).path, at: 0)
            r = try TumbleProcess.run(URL(fileURLWithPath: "/usr/bin/taskset"), ["-c", "0"] + args, in: dir, environment: ["TUMBLE_CORES": cores])
        } else {
            r = try TumbleProcess.tumble(args, in: dir, environment: ["TUMBLE_CORES": cores])
        }
        XCTAssertEqual(r.status, 0, r.output)
        return try Data(contentsOf: dir.appendingPathComponent("\(out)/checkpoints/last.safetensors"))
    }

    func testTheSplitFollowsTumbleCoresAndNotTheCoresThisProcessMayUse() throws {
        let dir = try temporaryDirectory("cores", for: self)
        let two = try trainOneStep(dir, "two", cores: "2")
        let one = try trainOneStep(dir, "one", cores: "1")
        XCTAssertNotEqual(one, two, "the split by 1 and by 2 cores gave the same bytes: the setting has no effect")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") {
            XCTAssertEqual(try trainOneStep(dir, "pinned", cores: "2", pinned: true), two)
        }
    }

    func testABadSettingIsRefusedByNameBeforeAnyCommandRuns() throws {
        let dir = try temporaryDirectory("cores-bad", for: self)
        for bad in ["abc", "0", "-2", "2000", ""] {
            let r = try TumbleProcess.tumble(["scenes"], in: dir, environment: ["TUMBLE_CORES": bad])
            XCTAssertEqual(r.status, 2, "TUMBLE_CORES=\(bad): \(r.output)")
            XCTAssertTrue(r.stderr.contains("TUMBLE_CORES: expected a whole number of cores in 1…1024, got \"\(bad)\""), r.output)
            XCTAssertTrue(r.stdout.isEmpty, "the command ran: \(r.stdout)")
        }
    }
}
