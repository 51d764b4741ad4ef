import Common
import XCTest
@testable import WorldModel

final class TrainingMonitorTests: XCTestCase {
    func testJacobiEigenvaluesMatchAKnownMatrix() {
        // [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 5, 3, 1.
        let e = SymmetricEigen.eigenvalues([2, 1, 0, 1, 2, 0, 0, 0, 5], n: 3)
        XCTAssertEqual(e[0], 5, accuracy: 1e-12)
        XCTAssertEqual(e[1], 3, accuracy: 1e-12)
        XCTAssertEqual(e[2], 1, accuracy: 1e-12)
    }

    func testEffectiveRankAndStdSeeIsotropicVersusCollapsedLatents() {
        var g = SplitMix64(seed: 3)
        let batch = 512, dims = 16
        var iso = [Float](repeating: 0, count: batch * dims)
        for i in iso.indices { iso[i] = g.nextGaussian() }
        let a = iso.withUnsafeBufferPointer { CollapseMonitor.measure($0, batch: batch, channels: dims, positions: 1) }
        XCTAssertGreaterThan(a.effectiveRank, 14.5)
        XCTAssertEqual(a.stdMean, 1, accuracy: 0.1)
        XCTAssertEqual(a.deadFraction, 0)

        // Rank one and tiny: every dim a multiple of one scalar, std 1e-3; one dim dead.
        var collapsed = [Float](repeating: 0, count: batch * dims)
        for b in 0..<batch { let s = g.nextGaussian() * 1e-3; for d in 1..<dims { collapsed[b * dims + d] = s * Float(d) } }
        let c = collapsed.withUnsafeBufferPointer { CollapseMonitor.measure($0, batch: batch, channels: dims, positions: 1) }
        XCTAssertEqual(c.effectiveRank, 1, accuracy: 1e-3)
        XCTAssertLessThan(c.stdMean, 0.02)
        XCTAssertEqual(c.stdMin, 0)
        XCTAssertEqual(c.deadFraction, 1.0 / 16, accuracy: 1e-12)
    }

    func testMetricsLogKeepsRowsUpToTheResumedStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.csv")
        do {
            let log = try MetricsLog(url: url, resumeAt: nil)
            for s in [10, 20, 30] { try log.append(["step": Double(s), "loss": Double(s) / 10]) }
        }
        do {
            let log = try MetricsLog(url: url, resumeAt: 20)
            try log.append(["step": 40, "loss": 4])
        }
        let m = try readMetrics(url)
        XCTAssertEqual(m["step"], [10, 20, 40])
        XCTAssertEqual(m["loss"], [1, 2, 4])
        XCTAssertTrue(m["lr"]!.allSatisfy { $0.isNaN })
    }

    func testRunDirectoryRefusesANonEmptyDirectoryForAFreshRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = RunDirectory(dir)
        XCTAssertNoThrow(try run.prepareFresh())
        try AtomicFile.write("x", to: run.config)
        XCTAssertThrowsError(try run.prepareFresh()) { XCTAssertTrue("\($0)".contains("is not empty"), "\($0)") }
        XCTAssertEqual(try String(contentsOf: run.config, encoding: .utf8), "x")
        XCTAssertThrowsError(try RunDirectory(dir.appendingPathComponent("none")).requireExistingRun()) {
            XCTAssertTrue("\($0)".contains("--resume needs"), "\($0)")
        }
    }
}
