import Foundation
import XCTest

/// README.md is part of the interface: its NumPy snippet runs against a real recording, its opening
/// commands stay the two a fresh machine needs, and every flag its examples use exists.
final class ReadmeTests: XCTestCase {
    static func readme() throws -> String {
        try String(contentsOf: TumbleProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// Fenced code blocks of one language, in order.
    static func blocks(_ language: String, in text: String) -> [String] {
        var out: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```\(language)" { current = []; continue }
            if current != nil, line == "```" { out.append(current!.joined(separator: "\n") + "\n"); current = nil; continue }
            current?.append(line)
        }
        return out
    }

    func testReadmeOpensWithTheInstallAndTestCommands() throws {
        let text = try Self.readme()
        let sh = Self.blocks("sh", in: text)
        XCTAssertGreaterThanOrEqual(sh.count, 2)
        XCTAssertEqual(sh[0], "scripts/install && swift build -c release && .build/release/tumble view\n")
        XCTAssertEqual(sh[1], "scripts/test\n")
        let firstFence = try XCTUnwrap(text.range(of: "```"))
        XCTAssertFalse(text[..<firstFence.lowerBound].contains("\n## "), "the two commands come before any section")
        let install = try String(contentsOf: TumbleProcess.packageRoot.appendingPathComponent("scripts/install"), encoding: .utf8)
        for package in ["libbox2d-dev", "libsdl2-dev", "libsdl2-ttf-dev", "libopenblas-dev", "zlib1g-dev", "python3-numpy"] {
            XCTAssertTrue(install.contains(package), "scripts/install lacks \(package)")
        }
        // CI runs what the README tells a user to run.
        let ci = try String(contentsOf: TumbleProcess.packageRoot.appendingPathComponent(".ci/run"), encoding: .utf8)
        let ciCommands = ci.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(ciCommands.contains("scripts/install") && ciCommands.contains { $0.hasPrefix("scripts/test ") || $0 == "scripts/test" }, ci)
    }

    /// The README's "Loading a dataset with NumPy alone" snippet, run as written on a recording with two shards.
    func testNumPySnippetRunsOnARecordedDataset() throws {
        try TumbleProcess.requireNumPy()
        let snippet = try XCTUnwrap(Self.blocks("python", in: try Self.readme()).first { $0.contains("np.load") },
                                    "README has a python block that calls np.load")
        XCTAssertTrue(snippet.contains("\"data/bounce\""), "the snippet reads the dataset of the record example")
        let dir = try temporaryDirectory("readme-numpy", for: self)
        let rec = try TumbleProcess.tumble(["record", "bounce", "--out", "data/bounce", "--episodes", "6", "--steps", "8",
                                            "--resolution", "16", "--episodes-per-shard", "4"], in: dir)
        XCTAssertSucceeded(rec, "tumble record for the snippet")
        let r = try TumbleProcess.python(snippet, in: dir)
        XCTAssertEqual(r.status, 0, "README snippet failed:\n\(r.output)")
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("shard-00000.npz (4, 8, 16, 16, 3) (4, 8, 8, 6) (4, 8, 0)") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("shard-00001.npz (2, 8, 16, 16, 3) (2, 8, 8, 6) (2, 8, 0)") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("start [") }, r.stdout)
    }

    /// Every `--flag` a README example passes to `tumble SUBCOMMAND` is listed by that subcommand's --help.
    func testEveryFlagInTheReadmeExamplesExists() throws {
        let dir = try temporaryDirectory("readme-flags", for: self)
        var used: [String: Set<String>] = [:]
        for block in Self.blocks("sh", in: try Self.readme()) {
            for line in block.split(separator: "\n") {
                let code = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
                // Each `tumble WORD ...` invocation on the line, up to the next `;` or `|`.
                for piece in code.components(separatedBy: "tumble ").dropFirst() {
                    let words = piece.prefix { $0 != ";" && $0 != "|" }.split(separator: " ").map(String.init)
                    guard let sub = words.first, !sub.hasPrefix("-"), !sub.contains("/") else { continue }
                    used[sub, default: []].formUnion(words.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) })
                }
            }
        }
        XCTAssertEqual(Set(used.keys), ["scenes", "record", "train", "eval", "plan", "view", "bench"], "README shows every command")
        for (sub, flags) in used {
            let help = try TumbleProcess.tumble([sub, "--help"], in: dir)
            XCTAssertSucceeded(help, "tumble \(sub) --help")
            for flag in flags.sorted() {
                XCTAssertTrue(help.stdout.contains(flag + " ") || help.stdout.contains(flag + "\n"),
                              "README uses `tumble \(sub) \(flag)`, which `tumble \(sub) --help` does not list")
            }
        }
    }
}
