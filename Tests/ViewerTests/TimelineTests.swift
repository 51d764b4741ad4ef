import CSDL2
import Physics
@testable import Viewer
import XCTest

/// ← / → through the kept observations, the scrub bar, and resuming from the past, through real SDL events.
final class TimelineTests: XCTestCase {
    /// Steps `v` by `n` observations (4 frames at 60 Hz each on the 15 Hz test scenes), drawing every frame.
    private func run(_ v: Viewer, observations n: Int) throws {
        for _ in 0..<(4 * n) { v.advance(seconds: 1.0 / 60); _ = try v.render() }
    }

    func testStepBackShowsThePastExactlyAndResumingContinuesFromThere() throws {
        let v = try TestScenes.viewer(seed: 11)
        try run(v, observations: 20)
        let history = v.sandbox.timeline.entries.map { (step: $0.step, states: $0.states, frame: $0.frame) }
        XCTAssertEqual(history.map(\.step), Array(0...20))
        SyntheticInput.key(SDLK_SPACE)
        for _ in 0..<5 { SyntheticInput.key(SDLK_LEFT) }
        v.pollEvents()
        XCTAssertTrue(v.paused)
        XCTAssertEqual(v.sandbox.world.stepIndex, 15)
        XCTAssertEqual(v.sandbox.states, history[15].states, "the world is not back at step 15 exactly")
        XCTAssertEqual(v.sandbox.frame, history[15].frame)
        var now = [Float](repeating: 0, count: v.sandbox.states.count)
        now.withUnsafeMutableBufferPointer { v.sandbox.world.exportStates(into: $0) }
        XCTAssertEqual(now, history[15].states, "the Box2D world itself must be at step 15")

        SyntheticInput.key(SDLK_RIGHT)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.world.stepIndex, 16)
        XCTAssertEqual(v.sandbox.timeline.entries.count, 21, "stepping through the past keeps the future")

        // Resume from step 16: the episode continues from there, exactly as it went the first time (no input).
        SyntheticInput.key(SDLK_SPACE)
        v.pollEvents()
        XCTAssertFalse(v.paused)
        try run(v, observations: 2)
        XCTAssertEqual(v.sandbox.world.stepIndex, 18)
        XCTAssertEqual(v.sandbox.timeline.entries.map(\.step), Array(0...18), "the old future was not replaced")
        XCTAssertEqual(v.sandbox.states, history[18].states)
        XCTAssertTrue(v.sandbox.timeline.isLive)
    }

    /// The model's history follows the timeline: after a jump it has seen the frame before and the frame shown.
    func testTheModelIsGivenTheHistoryOfTheObservationShown() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(model: .model(model), seed: 5)
        try run(v, observations: 10)
        let frames = v.sandbox.timeline.entries.map(\.frame)
        let resets = model.resets, observed = model.observed
        SyntheticInput.key(SDLK_LEFT)
        SyntheticInput.key(SDLK_LEFT)
        v.pollEvents()
        XCTAssertEqual(model.resets, resets + 2)
        XCTAssertEqual(model.observed, observed + 4, "each jump replays two frames")
        XCTAssertEqual(model.lastFrame, frames[8])
        XCTAssertEqual(model.learningFromObserved, true, "learning input must be back on after the replay")
        XCTAssertEqual(model.learningSwitches.suffix(2), [false, true], "replayed frames must not reach live learning")
    }

    func testScrubBarShowsWhereYouAreAndAClickJumps() throws {
        let v = try TestScenes.viewer(seed: 9, width: 1280, height: 720)
        try run(v, observations: 12)
        _ = try v.render()
        XCTAssertNil(v.lastScrubBar, "no bar while running live")
        SyntheticInput.key(SDLK_SPACE)
        v.pollEvents()
        _ = try v.render()
        let bar = try XCTUnwrap(v.lastScrubBar)
        // Live: the knob is at the right end.
        let knob = SIMD3(Int(Theme.text.r), Int(Theme.text.g), Int(Theme.text.b))
        XCTAssertEqual(try Pixels(v).at([bar.maxX, bar.y + bar.h / 2]), knob)
        // A click a quarter along shows observation 3 of 0...12.
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: bar.x + bar.w * 0.25, y: bar.y + bar.h / 2)
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: bar.x + bar.w * 0.25, y: bar.y + bar.h / 2)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.world.stepIndex, 3)
        XCTAssertNil(v.drag, "a click on the bar must not grab a body")
        _ = try v.render()
        let px = try Pixels(v)
        XCTAssertEqual(px.at([bar.x + bar.w * 0.25, bar.y + bar.h / 2]), knob)
        XCTAssertNotEqual(px.at([bar.maxX - 2, bar.y + bar.h / 2]), knob, "the knob stayed at the end")

        // Dragging along the bar: many motions in one frame cost one jump, to where the pointer is at the end.
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: bar.x, y: bar.y + bar.h / 2)
        for i in 1...10 { SyntheticInput.mouse(SDL_MOUSEMOTION, x: bar.x + bar.w * Float(i) / 20, y: bar.y + bar.h / 2) }
        v.pollEvents()
        XCTAssertEqual(v.sandbox.world.stepIndex, 0, "the press jumps at once")
        v.advance(seconds: 1.0 / 60)
        XCTAssertEqual(v.sandbox.world.stepIndex, 6, "half-way along 0...12")
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: bar.x + bar.w * 0.5, y: bar.y + bar.h / 2)
        v.pollEvents()
        XCTAssertFalse(v.scrubbing)
        XCTAssertTrue(v.paused)
    }

    func testAViolationIsMarkedAndNotRecorded() throws {
        let v = try TestScenes.viewer(seed: 21)
        try run(v, observations: 10)
        SyntheticInput.key(SDLK_b)   // vanish after observation 10
        v.pollEvents()
        try run(v, observations: 5)
        XCTAssertEqual(v.sandbox.timeline.violationAfter, 10)
        XCTAssertEqual(v.sandbox.timeline.recordable.map(\.step), Array(0...10))
        let episode = try v.sandbox.playedEpisode()
        XCTAssertEqual(episode.steps, 11)
        // Going back before the violation and resuming removes it from the episode.
        for _ in 0..<6 { SyntheticInput.key(SDLK_LEFT) }
        v.pollEvents()
        XCTAssertEqual(v.sandbox.world.stepIndex, 9)
        XCTAssertTrue(v.sandbox.mask.allSatisfy { $0 }, "the vanished body is back at step 9")
        SyntheticInput.key(SDLK_SPACE)
        v.pollEvents()
        try run(v, observations: 1)
        XCTAssertNil(v.sandbox.timeline.violationAfter)
    }
}
