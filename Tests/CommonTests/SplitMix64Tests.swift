@testable import Common
import XCTest

/// The shared stream's rules: every draw here is in shipped scenes, datasets or checkpoints.
final class SplitMix64Tests: XCTestCase {
    func testOutputIndexMatchesTheStream() {
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF, "reference first output for seed 0")
        var h = SplitMix64(seed: 42)
        for i in 0..<5 { XCTAssertEqual(SplitMix64.output(i, seed: 42), h.next()) }
    }

    func testDrawRulesKeepTheirBits() {
        var a = SplitMix64(seed: 9), b = a
        XCTAssertEqual(a.unitFloat(), Float(b.next() >> 40) * 0x1p-24)
        XCTAssertEqual(a.unit(), Double(b.next() >> 11) * 0x1p-53)
        XCTAssertEqual(a.below(10), Int((b.next() >> 11) % 10))
        XCTAssertEqual(a.integer(3, 7), 3 + Int(b.next() % 5))
        XCTAssertEqual(a.state, b.state)
        XCTAssertNotEqual(a.derived(1), a.derived(2))
        XCTAssertNotEqual(SplitMix64.derive(5, 1), SplitMix64.derive(5, 2))
    }

    /// A played episode's dataset names its seed through the seed rule: the base whose output 0 is that seed.
    func testSeedYieldingInvertsTheStream() {
        var g = SplitMix64(seed: 12345)
        for i in 0..<200 {
            let value = g.next()
            XCTAssertEqual(SplitMix64.unmix(SplitMix64.mix(value)), value)
            for index in [0, 1, 17] {
                XCTAssertEqual(SplitMix64.output(index, seed: SplitMix64.seed(yielding: value, at: index)), value, "value \(i)")
            }
        }
        for edge: UInt64 in [0, 1, .max, 0x8000_0000_0000_0000] {
            XCTAssertEqual(SplitMix64.output(0, seed: SplitMix64.seed(yielding: edge, at: 0)), edge)
        }
    }
}
