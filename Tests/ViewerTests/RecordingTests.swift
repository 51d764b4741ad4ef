import CSDL2
import Foundation
import Observation
import Physics
@testable import Viewer
import XCTest

/// D and --record: the episode played in the window, the user's pushes included, becomes a dataset in the
/// recorder's exact format.
final class RecordingTests: XCTestCase {
    private var dirs: [URL] = []
    override func tearDown() {
        for d in dirs { try? FileManager.default.removeItem(at: d) }
        super.tearDown()
    }
    private func temporary() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-rec-\(UUID().uuidString)")
        dirs.append(d)
        return d
    }

    /// Push scene: the user steers the actor with a mouse drag for a while, then presses D.
    func testDKeyRecordsThePlayedEpisodeWithTheUsersActions() throws {
        let v = try TestScenes.viewer(scene: 1, seed: 4, width: 1280, height: 720)
        _ = try v.render()
        let t = try XCTUnwrap(v.lastTransform)
        // Steer 6 m sideways, away from the nearer wall: the action's x saturates with that sign.
        let actor = try XCTUnwrap(v.sandbox.position(of: try XCTUnwrap(v.sandbox.actorBody)))
        let side: Float = actor.x > 10 ? -1 : 1
        let target = t.screen([actor.x + 6 * side, actor.y])
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: target.x, y: target.y)
        v.pollEvents()
        XCTAssertEqual(v.drag?.kind, .steer)
        for _ in 0..<(4 * 16) { v.advance(seconds: 1.0 / 60) }
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: target.x, y: target.y)
        v.pollEvents()
        for _ in 0..<(4 * 4) { v.advance(seconds: 1.0 / 60) }
        let entries = v.sandbox.timeline.entries
        XCTAssertEqual(entries.count, 21)

        let cwd = FileManager.default.currentDirectoryPath
        let here = temporary()
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(here.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        SyntheticInput.key(SDLK_d)
        v.pollEvents()
        let written = try XCTUnwrap(v.lastRecording, v.flash?.text ?? "no message")
        XCTAssertTrue(written.hasPrefix(here.path))

        let data = try Dataset(directory: URL(fileURLWithPath: written))
        try data.verify()   // every shard's SHA-256 against the manifest
        let m = data.manifest
        XCTAssertTrue(m.complete)
        XCTAssertEqual([m.episodes, m.steps, m.bodies, m.actionDimension], [1, 21, 2, 2])
        XCTAssertEqual(m.scene.text, v.sandbox.sceneAsWritten.source)
        XCTAssertEqual(EpisodeSeeds.seed(base: m.seeds.base, index: 0), v.sandbox.seed, "the seed rule must give the episode's seed")
        let shard = try data.shard(0)
        XCTAssertEqual(shard.seeds, [v.sandbox.seed])
        XCTAssertEqual(shard.frames, entries.flatMap(\.frame))
        XCTAssertEqual(shard.states, entries.flatMap(\.states))
        // actions[t] leads from observation t to t + 1: the user's steering for the first 16 steps, then the policy's.
        for i in 0..<20 {
            XCTAssertEqual(Array(shard.actions[(i * 2)..<(i * 2 + 2)]), entries[i + 1].actionBefore, "action \(i)")
        }
        XCTAssertTrue((0..<16).contains { i in shard.actions[i * 2] * side > 0.5 }, "the drag was not recorded as actions")
        XCTAssertEqual(Array(shard.actions[40..<42]), [0, 0], "the last action was never applied")
        XCTAssertEqual(shard.collisions.count, 21 * 2)
    }

    /// The recorded episode is what `tumble record` would write for the same seed when nobody plays: byte for byte.
    func testAnUnplayedEpisodeRecordsTheSameBytesAsTumbleRecord() throws {
        let v = try TestScenes.viewer(scene: 0, seed: 77)
        for _ in 0..<(4 * 15) { v.advance(seconds: 1.0 / 60) }
        let played = temporary(), recorded = temporary()
        try v.writeRecording(to: played)
        var o = RecordOptions(scene: v.sandbox.sceneAsWritten, output: recorded, tumbleVersion: v.options.tumbleVersion)
        o.episodes = 1; o.steps = 16; o.seed = try Dataset(directory: played).manifest.seeds.base
        _ = try Recorder(options: o).run()
        for name in ["manifest.json", "shard-00000.npz"] {
            XCTAssertEqual(try Data(contentsOf: played.appendingPathComponent(name)),
                           try Data(contentsOf: recorded.appendingPathComponent(name)), name)
        }
    }

    func testRecordingIsRefusedWhenItWouldMisleadTheModel() throws {
        let v = try TestScenes.viewer(seed: 2)
        XCTAssertThrowsError(try v.sandbox.playedEpisode()) { XCTAssertEqual($0 as? RecordRefusal, .tooShort(1)) }
        SyntheticInput.key(SDLK_o)   // another observation rate
        v.pollEvents()
        for _ in 0..<40 { v.advance(seconds: 1.0 / 60) }
        XCTAssertThrowsError(try v.sandbox.playedEpisode()) { XCTAssertEqual($0 as? RecordRefusal, .physicsModified) }
        let dir = temporary()
        XCTAssertThrowsError(try v.writeRecording(to: dir))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "nothing may be written")
        // A directory with something in it is refused by the recorder, naming it.
        SyntheticInput.key(SDLK_0)
        v.pollEvents()
        for _ in 0..<40 { v.advance(seconds: 1.0 / 60) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try v.writeRecording(to: dir)) { XCTAssertTrue("\($0)".contains("not empty"), "\($0)") }
    }
}
