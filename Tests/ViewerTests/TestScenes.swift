import CSDL2
import Foundation
import Physics
@testable import Viewer
import XCTest

/// Small scenes written here so the tests depend on no shipped file.
enum TestScenes {
    static let bounce = """
        name: bounce
        description: Eight elastic balls in a closed box.
        world: {width: 20, height: 20}
        gravity: [0, 0]
        observeEvery: 4
        restitutionThreshold: 0
        camera: {resolution: 64, color: rgb}
        walls:
          - {type: frame, thickness: 0.6, friction: 0, restitution: 1, color: [110, 110, 120]}
        bodies:
          - name: ball
            count: 8
            shape: circle
            radius: [0.9, 1.3]
            position: {x: [1.6, 18.4], y: [1.6, 18.4]}
            velocity: {speed: [4.5, 9], direction: [0, 360]}
            friction: 0
            restitution: 1
            color: ["#e6403c", "#3cc850", "#466ef0", "#f0c832", "#c850dc", "#3cd2dc", "#fa8c28", "#f0f0f0"]
        violations: [vanish, teleport, passThrough]
        """

    static let push = """
        name: push
        description: An actor disc pushes a block towards a goal region.
        world: {width: 20, height: 20}
        gravity: [0, 0]
        observeEvery: 4
        camera: {resolution: 64, color: rgb}
        walls:
          - {type: box, center: [16, 16], width: 5, height: 5, color: [40, 110, 50], solid: false}
          - {type: frame, thickness: 0.5, friction: 0.3, color: [110, 110, 120]}
        bodies:
          - name: pusher
            shape: circle
            radius: 0.8
            position: {x: [2, 18], y: [2, 18]}
            density: 1
            friction: 0.4
            linearDamping: 2
            angularDamping: 2
            color: [240, 200, 40]
          - name: block
            shape: box
            width: [1.6, 2.4]
            height: [1.6, 2.4]
            angle: [0, 90]
            position: {x: [5, 12], y: [5, 12]}
            density: 1
            friction: 0.4
            linearDamping: 1.5
            angularDamping: 2
            color: [70, 130, 230]
        actor:
          body: pusher
          force: 20
          policy: {theta: 1.5, sigma: 1.5, push: block, goal: [16, 16], gain: 1}
        violations: [vanish, teleport, passThrough]
        """

    /// Balls thrown in a tall box under gravity: what the baseline's live learning should discover.
    static let toss = """
        name: toss
        description: Balls tossed under gravity.
        world: {width: 40, height: 40}
        gravity: [0, -9.81]
        observeEvery: 4
        camera: {resolution: 64, color: rgb}
        walls:
          - {type: frame, thickness: 0.5, friction: 0, restitution: 0.9, color: [110, 110, 120]}
        bodies:
          - name: ball
            count: 4
            shape: circle
            radius: [0.5, 0.7]
            position: {x: [4, 36], y: [20, 36]}
            velocity: {speed: [2, 6], direction: [0, 360]}
            friction: 0
            restitution: 0.9
            color: ["#e6403c", "#3cc850", "#466ef0", "#f0c832"]
        violations: [vanish]
        """

    static func scene(_ yaml: String) throws -> Scene { try Scene(yaml: yaml, file: "test.yaml") }

    static var all: [Scene] { get throws { try [scene(bounce), scene(push), scene(toss)] } }

    /// An offscreen viewer (no display needed) on scene `index` of `all`.
    static func viewer(scene index: Int = 0, model: ViewerModelChoice = .kinematicBaseline, seed: UInt64 = 7,
                       width: Int = 960, height: Int = 540) throws -> Viewer {
        var o = ViewerOptions(scenes: try all, sceneIndex: index, seed: seed, model: model)
        o.width = width; o.height = height
        o.frames = 1_000_000   // offscreen
        return try Viewer(options: o)
    }
}

/// Pushes real SDL events through SDL's queue, as a user's keyboard and mouse would.
enum SyntheticInput {
    static func key(_ code: SDL_KeyCode, shift: Bool = false) {
        var e = SDL_Event()
        e.type = SDL_KEYDOWN.rawValue
        e.key.keysym.sym = SDL_Keycode(code.rawValue)
        e.key.keysym.mod = shift ? UInt16(KMOD_LSHIFT.rawValue) : 0
        e.key.state = UInt8(SDL_PRESSED)
        XCTAssertEqual(SDL_PushEvent(&e), 1, String(cString: SDL_GetError()))
    }

    static func mouse(_ type: SDL_EventType, x: Float, y: Float, button: Int32 = SDL_BUTTON_LEFT) {
        var e = SDL_Event()
        e.type = type.rawValue
        if type == SDL_MOUSEMOTION {
            e.motion.x = Int32(x.rounded()); e.motion.y = Int32(y.rounded()); e.motion.state = 1
        } else {
            e.button.x = Int32(x.rounded()); e.button.y = Int32(y.rounded())
            e.button.button = UInt8(button)
            e.button.state = UInt8(type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED)
        }
        XCTAssertEqual(SDL_PushEvent(&e), 1, String(cString: SDL_GetError()))
    }

    /// `notches` of the mouse wheel (positive: away from the user, zoom in).
    static func wheel(_ notches: Int32) {
        var e = SDL_Event()
        e.type = SDL_MOUSEWHEEL.rawValue
        e.wheel.y = notches
        e.wheel.direction = SDL_MOUSEWHEEL_NORMAL.rawValue
        XCTAssertEqual(SDL_PushEvent(&e), 1, String(cString: SDL_GetError()))
    }
}

/// Reads back one pixel of the last rendered frame.
struct Pixels {
    let width: Int, height: Int, rgba: [UInt8]
    init(_ v: Viewer) throws {
        let p = try v.canvas.readPixels()
        width = p.width; height = p.height; rgba = p.rgba
    }
    func at(_ p: SIMD2<Float>) -> SIMD3<Int> {
        let x = min(max(Int(p.x), 0), width - 1), y = min(max(Int(p.y), 0), height - 1)
        let i = (y * width + x) * 4
        return SIMD3(Int(rgba[i]), Int(rgba[i + 1]), Int(rgba[i + 2]))
    }
}
