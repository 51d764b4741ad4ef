import CSDL2
import Foundation

/// Keyboard and mouse, like Box2D's testbed. Every key maps to one method on `Viewer`, so the tests can
/// drive the window through real SDL events (`SDL_PushEvent`) and check the same methods' effects.
extension Viewer {
    static let keyHelp: [(String, String)] = [
        ("Space", "pause / resume (from the observation shown)"),
        ("←  →", "step back / forward (paused); → past the end steps"),
        ("click the bar", "jump along the timeline (paused)"),
        ("R", "reset with a new seed"),
        ("[  ]", "previous / next scene"),
        ("mouse drag", "steer the actor (push), else pull a body"),
        ("wheel  Z  X", "zoom about the pointer (Z out, X in)"),
        ("right drag", "pan the view"),
        ("Home", "reset the view"),
        ("V  B  N  C", "inject teleport / vanish / pass-through / colour change"),
        ("M", "the model's object masks on the world"),
        ("P", "the probe's read-out beside the true states"),
        ("Tab", "panels: physics, profiler, counts"),
        ("O  I  Y", "observation rate / solver iterations / sleeping"),
        ("0", "the scene file's own physics"),
        ("D", "record the episode so far as a dataset"),
        ("L", "live learning on / off"),
        ("1 – 9", "imagination horizon k"),
        ("G", "goal mode (push): click places the goal, the model plans"),
        ("S", "save a PNG screenshot"),
        ("H  ?", "this help"),
        ("Esc  Q", "quit (Esc leaves goal mode first)"),
    ]

    /// The SDL key code for a scripted key name (see `ScriptedKey`).
    static func keycode(for name: String) -> (SDL_Keycode, shift: Bool)? {
        switch name {
        case "space": return (SDL_Keycode(SDLK_SPACE.rawValue), false)
        case "right": return (SDL_Keycode(SDLK_RIGHT.rawValue), false)
        case "left": return (SDL_Keycode(SDLK_LEFT.rawValue), false)
        case "home": return (SDL_Keycode(SDLK_HOME.rawValue), false)
        case "tab": return (SDL_Keycode(SDLK_TAB.rawValue), false)
        case "esc": return (SDL_Keycode(SDLK_ESCAPE.rawValue), false)
        case "[": return (SDL_Keycode(SDLK_LEFTBRACKET.rawValue), false)
        case "]": return (SDL_Keycode(SDLK_RIGHTBRACKET.rawValue), false)
        case "?": return (SDL_Keycode(SDLK_SLASH.rawValue), true)
        default:
            guard name.count == 1, let c = name.unicodeScalars.first, c.isASCII,
                  ("a"..."z").contains(Character(c)) || ("0"..."9").contains(Character(c)) else { return nil }
            return (SDL_Keycode(c.value), false)   // SDL keycodes of letters and digits are their ASCII codes
        }
    }

    /// Sends the scripted key presses due at this frame through SDL's queue.
    func pushScriptedKeys() {
        for k in options.scriptedKeys where k.frame == frameCount {
            guard let (code, shift) = Self.keycode(for: k.key) else { continue }
            var e = SDL_Event()
            e.type = SDL_KEYDOWN.rawValue
            e.key.keysym.sym = code
            e.key.keysym.mod = shift ? UInt16(KMOD_LSHIFT.rawValue) : 0
            e.key.state = UInt8(SDL_PRESSED)
            SDL_PushEvent(&e)
        }
    }

    /// Handles every queued SDL event.
    func pollEvents() {
        var e = SDL_Event()
        while SDL_PollEvent(&e) != 0 { handle(e) }
    }

    func handle(_ e: SDL_Event) {
        let scale = surface.pointScale
        switch SDL_EventType(e.type) {
        case SDL_QUIT:
            running = false
        case SDL_KEYDOWN:
            key(e.key.keysym.sym, modifiers: UInt32(e.key.keysym.mod), isRepeat: e.key.repeat != 0)
        case SDL_MOUSEBUTTONDOWN where e.button.button == UInt8(SDL_BUTTON_LEFT):
            beginDrag(atPixel: SIMD2(Float(e.button.x), Float(e.button.y)) * scale)
        case SDL_MOUSEBUTTONDOWN where e.button.button == UInt8(SDL_BUTTON_RIGHT):
            panFrom = SIMD2(Float(e.button.x), Float(e.button.y)) * scale
        case SDL_MOUSEMOTION:
            moveDrag(toPixel: SIMD2(Float(e.motion.x), Float(e.motion.y)) * scale)
        case SDL_MOUSEBUTTONUP where e.button.button == UInt8(SDL_BUTTON_LEFT):
            endDrag()
        case SDL_MOUSEBUTTONUP where e.button.button == UInt8(SDL_BUTTON_RIGHT):
            panFrom = nil
        case SDL_MOUSEWHEEL where e.wheel.y != 0:
            let notches = Float(e.wheel.y) * (e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED.rawValue ? -1 : 1)
            zoom(by: powf(ViewCamera.zoomStep, notches), aboutPixel: pointer)
        default:
            break
        }
    }

    private func key(_ sym: SDL_Keycode, modifiers: UInt32, isRepeat: Bool) {
        func k(_ c: SDL_KeyCode) -> SDL_Keycode { SDL_Keycode(c.rawValue) }
        let shift = modifiers & UInt32(KMOD_SHIFT.rawValue) != 0
        switch sym {
        case k(SDLK_ESCAPE) where goalModeOn: leaveGoalMode()
        case k(SDLK_ESCAPE), k(SDLK_q): running = false
        case k(SDLK_g) where !isRepeat: toggleGoalMode()
        case k(SDLK_SPACE) where !isRepeat: togglePause()
        case k(SDLK_RIGHT): singleStep()
        case k(SDLK_LEFT): stepBack()
        case k(SDLK_z): zoom(by: 1 / ViewCamera.zoomStep, aboutPixel: pointer)
        case k(SDLK_x): zoom(by: ViewCamera.zoomStep, aboutPixel: pointer)
        case k(SDLK_HOME): resetCamera()
        case k(SDLK_m) where !isRepeat: toggleMasks()
        case k(SDLK_p) where !isRepeat: toggleProbe()
        case k(SDLK_TAB) where !isRepeat: togglePanels()
        case k(SDLK_o) where !isRepeat: changePhysics { $0.cycleObservationRate(scene: $1) }
        case k(SDLK_i) where !isRepeat: changePhysics { $0.cycleIterations(scene: $1) }
        case k(SDLK_y) where !isRepeat: changePhysics { p, _ in p.sleep.toggle() }
        case k(SDLK_0) where !isRepeat: changePhysics { p, _ in p = PhysicsSettings() }
        case k(SDLK_d) where !isRepeat: recordEpisode()
        case k(SDLK_r) where !isRepeat: resetWithNewSeed()
        case k(SDLK_LEFTBRACKET) where !isRepeat: switchScene(by: -1)
        case k(SDLK_RIGHTBRACKET) where !isRepeat: switchScene(by: 1)
        case k(SDLK_v) where !isRepeat: inject(.teleport)
        case k(SDLK_b) where !isRepeat: inject(.vanish)
        case k(SDLK_n) where !isRepeat: inject(.passThrough)
        case k(SDLK_c) where !isRepeat: inject(.immutability)
        case k(SDLK_l) where !isRepeat: toggleLearning()
        case k(SDLK_s) where !isRepeat: requestScreenshot()
        case k(SDLK_h), k(SDLK_QUESTION): if !isRepeat { showHelp.toggle() }
        case k(SDLK_SLASH) where shift && !isRepeat: showHelp.toggle()
        case k(SDLK_1)...k(SDLK_9): setHorizon(Int(sym - k(SDLK_0)))
        case k(SDLK_KP_1)...k(SDLK_KP_9): setHorizon(Int(sym - k(SDLK_KP_1)) + 1)
        default: break
        }
    }
}
