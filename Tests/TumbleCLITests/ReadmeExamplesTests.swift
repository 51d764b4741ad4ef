import Foundation
import XCTest

/// The README's `record`, `train` and `eval` examples run as written, in README order, in one directory
/// (with fewer episodes and steps so the whole sequence takes seconds); its shipped-model block records
/// exactly the data the reports were made on; and `scripts/install` works with and without sudo.
final class ReadmeExamplesTests: XCTestCase {
    /// The one block that reproduces the shipped reports: full-size data, checked against the reports instead.
    static func isShippedModelBlock(_ block: String) -> Bool { block.contains("--verify Assets/default-model-") }

    /// A README line without its trailing `# comment`.
    static func code(_ line: Substring) -> String {
        let text = String(line)
        guard let hash = text.range(of: " #") else { return text.trimmingCharacters(in: .whitespaces) }
        return String(text[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    /// Lines that run `tumble record`, `train` or `eval` (also inside a `for … do … done`), or record a dataset with
    /// a headless `tumble view --record`, in README order.
    static func examples(in blocks: [String]) -> [String] {
        blocks.flatMap { $0.split(separator: "\n").map(code) }.filter {
            $0.range(of: #"^(for .*; do )?tumble (record|train|eval)( |$)"#, options: .regularExpression) != nil
                || $0.range(of: #"^SDL_VIDEODRIVER=dummy tumble view .*--record "#, options: .regularExpression) != nil
        }
    }

    /// `line` with its sizes cut down: recordings (and live evaluations) of 8 episodes × 16 steps in shards of 2, training runs
    /// of 2 steps (3 when resumed) on batches of 2 clips with a one-batch read-out refit.
    static func shrunk(_ line: String) -> String {
        func replacing(_ pattern: String, _ with: String, in s: String) -> String {
            s.replacingOccurrences(of: pattern, with: with, options: .regularExpression)
        }
        var s = line
        if s.contains("tumble view") {
            s = replacing(#"--frames [0-9]+"#, "--frames 240", in: s)
        } else if s.contains("tumble record") || (s.contains("tumble eval") && s.contains("--scene")) {
            s = replacing(#"--episodes [0-9]+"#, "--episodes 8", in: s)
            s = replacing(#"--steps [0-9]+"#, "--steps 16", in: s)
            s = replacing(#"--episodes-per-shard [0-9]+"#, "--episodes-per-shard 2", in: s)
        } else if s.contains("tumble train"), !s.contains("--report") {
            let steps = s.contains("--resume") ? "--steps 3" : "--steps 2"
            if s.range(of: #"--(minutes|steps) [0-9.e-]+"#, options: .regularExpression) != nil {
                s = replacing(#"--(minutes|steps) [0-9.e-]+"#, steps, in: s)
            } else {
                s += " " + steps
            }
            if !s.contains("--resume") { s += " --set data.batch_clips=2 --set probe.refit_batches=1" }
        }
        return s
    }

    func testShrinkingKeepsTheCommandAndCutsItsSize() {
        XCTAssertEqual(Self.shrunk("tumble record bounce --out data/parts --episodes 256 --steps 64 --episodes-per-shard 16 --shard $i/4"),
                       "tumble record bounce --out data/parts --episodes 8 --steps 16 --episodes-per-shard 2 --shard $i/4")
        XCTAssertEqual(Self.shrunk("tumble train --out runs/bounce --minutes 1 --resume"), "tumble train --out runs/bounce --steps 3 --resume")
        XCTAssertEqual(Self.shrunk("tumble train --scene bounce --out R"),
                       "tumble train --scene bounce --out R --steps 2 --set data.batch_clips=2 --set probe.refit_batches=1")
        XCTAssertEqual(Self.shrunk("tumble train --out R --report"), "tumble train --out R --report")
        XCTAssertEqual(Self.code("tumble view   # a comment"), "tumble view")
        XCTAssertEqual(Self.shrunk("SDL_VIDEODRIVER=dummy tumble view push --frames 1200 --record D"),
                       "SDL_VIDEODRIVER=dummy tumble view push --frames 240 --record D")
    }

    func testRecordTrainEvalExamplesRunAsWritten() throws {
        let binary = try XCTUnwrap(TumbleProcess.binary, "the tumble binary of this build")
        let blocks = ReadmeTests.blocks("sh", in: try ReadmeTests.readme()).filter { !Self.isShippedModelBlock($0) }
        let lines = Self.examples(in: blocks)
        for command in ["tumble record", "tumble train", "tumble eval --checkpoint", "tumble eval --verify", "--resume", "--join",
                        "tumble view push --frames 1200 --record"] {
            XCTAssertTrue(lines.contains { $0.contains(command) }, "README shows an example with `\(command)`")
        }
        let dir = try temporaryDirectory("readme-examples", for: self)
        try FileManager.default.copyItem(at: TumbleProcess.packageRoot.appendingPathComponent("Assets"),
                                         to: dir.appendingPathComponent("Assets"))
        let path = binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for line in lines {
            let run = Self.shrunk(line)
            let r = try TumbleProcess.run(URL(fileURLWithPath: "/bin/bash"), ["-euo", "pipefail", "-c", run], in: dir,
                                          environment: ["PATH": path])
            XCTAssertSucceeded(r, "README example `\(line)`, run as `\(run)`")
            if r.status != 0 { return }   // later examples need this one's output
        }
        let verified = try XCTUnwrap(lines.firstIndex { $0.contains("eval --verify") })
        XCTAssertGreaterThan(verified, try XCTUnwrap(lines.firstIndex { $0.contains("eval --checkpoint") }), "verify follows eval")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/bounce/report.html").path))
    }

    /// The shipped-model block's recordings, run as written (full size: about 150,000 frames, a few seconds), are
    /// the very datasets the four reports hash; its `--verify` lines name all four.
    func testShippedModelBlockRecordsTheReportsData() throws {
        let block = try XCTUnwrap(ReadmeTests.blocks("sh", in: try ReadmeTests.readme()).first(where: Self.isShippedModelBlock),
                                  "README has a block that verifies the shipped reports")
        let lines = block.split(separator: "\n").map(Self.code)
        let verified = lines.compactMap { line in
            line.range(of: #"^tumble eval --verify (\S+)$"#, options: .regularExpression).map { _ in String(line.dropFirst("tumble eval --verify ".count)) }
        }
        XCTAssertEqual(Set(verified), Set(ReadmeResultsTests.expected.map(\.file) + ["docs/eval/second-set-surprise.json"]))
        let dir = try temporaryDirectory("readme-shipped-data", for: self)
        for line in lines where line.hasPrefix("tumble record ") {
            let args = line.split(separator: " ").dropFirst().map(String.init)
            XCTAssertSucceeded(try TumbleProcess.tumble(args, in: dir), line)
        }
        for name in verified {
            let report = try ReadmeResultsTests.report(name)
            let inputs = try XCTUnwrap(report["inputs"] as? [String: Any])
            let data = try XCTUnwrap(inputs["data"] as? String)
            let manifest = dir.appendingPathComponent(data).appendingPathComponent("manifest.json")
            let digest = try TumbleProcess.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [manifest.path], in: dir)
            XCTAssertSucceeded(digest, "sha256sum \(manifest.path)")
            XCTAssertEqual(String(digest.stdout.prefix(64)), report["dataset_manifest_sha256"] as? String,
                           "README's recording of \(data) is not the dataset \(name) was made on")
        }
    }

    /// scripts/install, with apt-get, sudo, id and dpkg-query replaced by stubs that log their calls:
    /// as root it never calls sudo (a fresh Debian container has none); as a user it goes through sudo;
    /// with everything installed it calls nothing.
    func testInstallScriptWorksAsRootAndThroughSudo() throws {
        let script = TumbleProcess.packageRoot.appendingPathComponent("scripts/install").path
        for (uid, installed, expected) in [("0", false, ["apt-get update -qq", "apt-get install"]),
                                          ("1000", false, ["sudo apt-get update -qq", "apt-get update -qq", "sudo env", "apt-get install"]),
                                          ("1000", true, [])] {
            let dir = try temporaryDirectory("install-\(uid)", for: self)
            let bin = dir.appendingPathComponent("bin"), log = dir.appendingPathComponent("log").path
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let stubs = [
                "id": "echo \(uid)",
                "dpkg-query": installed ? "printf 'install ok installed'" : "exit 1",
                "apt-get": "echo \"apt-get $*\" >> \(log)",
                // As root a call to sudo is the bug under test: log it and fail like an absent sudo.
                "sudo": uid == "0" ? "echo \"sudo $*\" >> \(log); exit 127" : "echo \"sudo $*\" >> \(log); exec \"$@\"",
            ]
            for (name, body) in stubs {
                let url = bin.appendingPathComponent(name)
                try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            }
            let r = try TumbleProcess.run(URL(fileURLWithPath: "/bin/bash"), [script], in: dir,
                                          environment: ["PATH": bin.path + ":/usr/bin:/bin"])
            XCTAssertSucceeded(r, "scripts/install as uid \(uid)")
            let calls = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            for needle in expected { XCTAssertTrue(calls.contains(needle), "uid \(uid): no `\(needle)` in:\n\(calls)") }
            if uid == "0" { XCTAssertFalse(calls.contains("sudo"), "root needs no sudo:\n\(calls)") }
            if installed { XCTAssertEqual(calls, "", "nothing to install") }
            else { XCTAssertTrue(calls.contains("install -y -qq libbox2d-dev"), calls) }
        }
    }
}
