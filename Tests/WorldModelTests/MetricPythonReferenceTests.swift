import Common
import XCTest
@testable import WorldModel

/// The metric kernels against independent NumPy implementations (no sklearn) on random data.
final class MetricPythonReferenceTests: XCTestCase {
    func numpyPython() throws -> String {
        guard let python = PythonCheck.python3() else { throw XCTSkip("python3 not found; NumPy reference skipped") }
        guard (try? PythonCheck.run(python, script: "import numpy")) != nil else { throw XCTSkip("NumPy not installed; reference skipped") }
        return python
    }

    func testKernelsMatchNumPy() throws {
        let python = try numpyPython()
        var rng = SplitMix64(seed: 2026)
        // R²: 3 coordinates × 200 samples with different scales and noise.
        let samples = 200, coords = 3
        var targets = [[Double]](), predictions = [[Double]]()
        var r2 = R2Accumulator(coordinates: coords)
        for c in 0..<coords {
            let t = (0..<samples).map { _ in Double(c + 1) * 5 * rng.unit() }
            let p = t.map { $0 + Double(c) * (rng.unit() - 0.5) }
            for (a, b) in zip(t, p) { r2.add(coordinate: c, target: a, prediction: b) }
            targets.append(t); predictions.append(p)
        }
        // AUROC with ties (values rounded to 1 decimal).
        let negatives = (0..<57).map { _ in (rng.unit() * 10).rounded() / 10 }
        let positives = (0..<43).map { _ in (rng.unit() * 10 + 2).rounded() / 10 }
        // Ranking: 40 queries, D = 6, noisy predictions.
        let n = 40, d = 6
        let truth = (0..<(n * d)).map { _ in Float(rng.unit()) }
        let predicted = truth.map { $0 + Float(rng.unit() - 0.5) * 0.4 }
        let ranking = RankingMetrics.score(predicted: predicted, truth: truth, count: n, dimension: d)

        let input: JSONValue = .object([
            ("targets", .array(targets.map { .array($0.map(JSONValue.number)) })),
            ("predictions", .array(predictions.map { .array($0.map(JSONValue.number)) })),
            ("negatives", .array(negatives.map(JSONValue.number))),
            ("positives", .array(positives.map(JSONValue.number))),
            ("truth", .array(truth.map { .number(Double($0)) })),
            ("predicted", .array(predicted.map { .number(Double($0)) })),
            ("n", .number(Double(n))), ("d", .number(Double(d))),
        ])
        let percentileInput = negatives + positives
        let script = """
        import json, sys
        import numpy as np
        a = json.load(sys.stdin)
        t, p = np.array(a['targets']), np.array(a['predictions'])
        res = ((t - p) ** 2).sum(axis=1)
        tot = ((t - t.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        neg, pos = np.array(a['negatives']), np.array(a['positives'])
        diff = pos[:, None] - neg[None, :]
        auroc = ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size
        n, d = int(a['n']), int(a['d'])
        # float32 inputs, distances in float64 as the Swift kernel does
        tr = np.array(a['truth'], dtype=np.float32).astype(np.float64).reshape(n, d)
        pr = np.array(a['predicted'], dtype=np.float32).astype(np.float64).reshape(n, d)
        dist = ((pr[:, None, :] - tr[None, :, :]) ** 2).sum(axis=2)
        own = np.diag(dist)
        rank = 1 + (dist <= own[:, None]).sum(axis=1) - 1   # ties against; exclude self
        p90 = float(np.percentile(np.concatenate([neg, pos]), 90))
        print(json.dumps({'p90': p90, 'r2': list(1 - res / tot), 'pooled': 1 - res.sum() / tot.sum(), 'auroc': auroc,
                          'hits': float((rank == 1).mean()), 'mrr': float((1.0 / rank).mean())}))
        """
        let output = try PythonCheck.run(python, script: script, input: input.serialized())
        let reference = try JSONValue.parse(Data(output.utf8))
        let perCoordinate = try XCTUnwrap(reference["r2"]?.arrayValue?.compactMap(\.doubleValue))
        for c in 0..<coords { XCTAssertEqual(r2.perCoordinate[c], perCoordinate[c], accuracy: 1e-10) }
        XCTAssertEqual(r2.pooled, try XCTUnwrap(reference["pooled"]?.doubleValue), accuracy: 1e-10)
        XCTAssertEqual(SurpriseMetrics.auroc(negatives: negatives, positives: positives),
                       try XCTUnwrap(reference["auroc"]?.doubleValue), accuracy: 1e-12)
        XCTAssertEqual(SurpriseMetrics.percentile(percentileInput, 90), try XCTUnwrap(reference["p90"]?.doubleValue), accuracy: 1e-12)
        XCTAssertEqual(ranking.hitsAt1, try XCTUnwrap(reference["hits"]?.doubleValue), accuracy: 1e-12)
        XCTAssertEqual(ranking.meanReciprocalRank, try XCTUnwrap(reference["mrr"]?.doubleValue), accuracy: 1e-12)
        XCTAssertGreaterThan(ranking.hitsAt1, 0)
        XCTAssertLessThan(ranking.hitsAt1, 1)
    }

    /// The R² interval over episodes against NumPy: the same SplitMix64 resamples of whole episodes (the stream is
    /// re-implemented in Python), each resample's pooled R² recomputed from the raw targets in two passes, and the same
    /// percentile rule.
    func testR2IntervalMatchesNumPy() throws {
        let python = try numpyPython()
        var rng = SplitMix64(seed: 77)
        let episodes = 30, frames = 6, coords = 2
        var rows: [[Double]] = []   // episode, coordinate, target, prediction
        var r2 = R2Accumulator(coordinates: coords)
        for e in 0..<episodes {
            let noise = e % 4 == 0 ? 2.0 : 0.3
            for _ in 0..<frames { for c in 0..<coords {
                let t = 50 + Double(c + 1) * 4 * rng.unit(), p = t + noise * (rng.unit() - 0.5)
                r2.add(coordinate: c, target: t, prediction: p, episode: e)
                rows.append([Double(e), Double(c), t, p])
            } }
        }
        let seed: UInt64 = 0xC1_95, resamples = 500
        let interval = r2.interval95(seed: seed, resamples: resamples)
        let input: JSONValue = .object([
            ("rows", .array(rows.map { .array($0.map(JSONValue.number)) })),
            ("episodes", .number(Double(episodes))), ("seed", .number(Double(seed))), ("resamples", .number(Double(resamples))),
        ])
        let script = """
        import json, math, sys
        import numpy as np
        a = json.load(sys.stdin)
        rows, n = np.array(a['rows']), int(a['episodes'])
        M = (1 << 64) - 1
        state = int(a['seed'])
        def draw():
            global state
            state = (state + 0x9E3779B97F4A7C15) & M
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            return z ^ (z >> 31)
        by_episode = [rows[rows[:, 0] == e] for e in range(n)]
        values = []
        for _ in range(int(a['resamples'])):
            sample = np.concatenate([by_episode[draw() % n] for _ in range(n)])
            res = tot = 0.0
            for c in (0, 1):
                t, p = sample[sample[:, 1] == c, 2], sample[sample[:, 1] == c, 3]
                res += ((t - p) ** 2).sum(); tot += ((t - t.mean()) ** 2).sum()
            values.append(1 - res / tot)
        values.sort()
        k = len(values)
        print(json.dumps([values[int(math.floor(0.025 * k))], values[min(k - 1, int(math.ceil(0.975 * k)) - 1)]]))
        """
        let output = try PythonCheck.run(python, script: script, input: input.serialized())
        let reference = try XCTUnwrap(JSONValue.parse(Data(output.utf8)).arrayValue?.compactMap(\.doubleValue))
        XCTAssertEqual(interval[0], reference[0], accuracy: 1e-9)
        XCTAssertEqual(interval[1], reference[1], accuracy: 1e-9)
        XCTAssertLessThan(interval[0], interval[1])
    }

    func testJSONRoundTripIsExact() throws {
        let value: JSONValue = .object([
            ("numbers", .array([.number(0.1), .number(1e-20), .number(-3), .number(123456789012), .number(0.30000000000000004),
                                .number(Double(Float(0.7))), .null])),
            ("text", .string("quote \" backslash \\ newline \n tab \t unicode R² ✓ \u{1}")),
            ("nested", .object([("empty", .object([])), ("list", .array([])), ("flag", .bool(true))])),
        ])
        let text = value.serialized()
        XCTAssertEqual(try JSONValue.parse(Data(text.utf8)), value)
        XCTAssertTrue(text.contains("123456789012"))
        // Foundation reads it too.
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(text.utf8)))
        XCTAssertThrowsError(try JSONValue.parse(Data("{\"a\": 1,}".utf8)))
        XCTAssertThrowsError(try JSONValue.parse(Data("[1] x".utf8)))
    }
}
