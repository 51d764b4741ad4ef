import ArgumentParser
import Foundation
import Physics
import Viewer
import WorldModel

/// `tumble view`: the sandbox window, or a headless screenshot of it.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Open the sandbox window: the world, the model's predictions beside the true future, surprise.",
        discussion: """
            Keys: Space pause · ← → step back/forward · R reset · [ ] scene · drag steers the actor or pulls a body · \
            wheel/Z/X zoom · right-drag pan · Home reset view · V/B/N/C inject teleport/vanish/pass-through/colour change · \
            M masks · P probe · Tab panels · O/I/Y physics · 0 file's physics · D record · L live learning · \
            1–9 horizon · G goal mode · S screenshot · H help (every key) · Esc quit.
            Goal mode (push): press G and click in the world, or start with --goal X,Y: the scene's model plans the \
            pusher's actions towards that goal for the pushed body (sampling MPC, as tumble plan), and the window draws \
            the goal, the plan's imagined path, and the planner's cost, time per plan, plan count and distance to goal. \
            G or Esc leaves it.
            Overlays, panels, horizon and physics are remembered in $XDG_CONFIG_HOME/tumble/view.json (else \
            ~/.config/tumble/view.json); headless runs neither read nor write it.
            Headless (no display needed): tumble view bounce --frames 120 --screenshot out.png
            Headless goal mode: tumble view push --goal 14,14 --frames 120 --screenshot out.png (prints the final distance)
            """)

    @Argument(help: "Scene name (\(ViewCommand.catalogueNames.joined(separator: ", "))) or a scene YAML file.")
    var scene: String?

    @Option(help: "World-model checkpoint (.safetensors) to show.")
    var checkpoint: String?

    @Flag(help: "Show the constant-velocity baseline on true states instead of a model (labelled in the HUD).")
    var baseline = false

    @Flag(help: "Start with live learning on (the model trains in the background on the frames shown).")
    var learn = false

    @Option(help: "Headless: draw this many frames offscreen (fixed 60 frames/s clock), then exit.")
    var frames: Int?

    @Option(help: "Save the last frame as a PNG (headless; implies --frames 120 if --frames is not given).")
    var screenshot: String?

    @Option(help: "Episode seed.")
    var seed: UInt64 = 1

    @Option(help: "Window size in pixels, WIDTHxHEIGHT.")
    var size: String = "1280x720"

    @Option(help: "Imagination horizon k, 1–9 (default: the remembered one, else 5).")
    var horizon: Int?

    @Option(help: ArgumentHelp("When the window closes (or the headless run ends), write the episode shown, with your drags and pushes as actions, as a dataset in DIR (new or empty), in tumble record's format.", valueName: "DIR"))
    var record: String?

    @Flag(help: "Don't wait for vertical sync (measure the loop's own speed).")
    var noVsync = false

    @Option(help: ArgumentHelp("Start in goal mode: the model plans the pusher's actions to bring the pushed body's centre to X,Y (world units; push-like scenes).", valueName: "X,Y"))
    var goal: String?

    @Option(name: .customLong("press"), help: ArgumentHelp("Press a key at a frame, FRAME:KEY (e.g. 120:b vanishes a body at frame 120); repeatable.", valueName: "FRAME:KEY"))
    var presses: [String] = []

    /// Scenes that `[` and `]` step through; `pile500` is a benchmark world, opened only by name.
    static var catalogueNames: [String] { Scene.shippedNames.filter { $0 != "pile500" } }

    func validate() throws {
        if let frames, frames < 1 { throw ValidationError("--frames must be at least 1, got \(frames)") }
        if let horizon, !(1...9).contains(horizon) { throw ValidationError("--horizon must be 1…9, got \(horizon)") }
        if let record { try Self.checkRecordDirectory(record) }
        guard Self.parseSize(size) != nil else { throw ValidationError("--size must look like 1280x720 (each 320…8192), got '\(size)'") }
        if baseline && checkpoint != nil { throw ValidationError("--baseline and --checkpoint are exclusive") }
        if let goal {
            do { _ = try GoalOption.parse(goal) } catch { throw ValidationError("\(error)") }
        }
        for p in presses where ScriptedKey.parse(p) == nil {
            throw ValidationError("--press expects FRAME:KEY with KEY a letter, digit, space, left, right, home, tab, [, ], ? or esc; got '\(p)'")
        }
    }

    /// `--record DIR` must be new or empty, checked before the window opens rather than after a session of play.
    static func checkRecordDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw ValidationError("--record \(path): expected a directory (new or empty), found a file") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty else {
            throw ValidationError("--record \(path): expected a new or empty directory, it holds \(entries.count) entr\(entries.count == 1 ? "y" : "ies") (e.g. \(entries.sorted()[0]))")
        }
    }

    static func parseSize(_ s: String) -> (Int, Int)? {
        let parts = s.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]),
              (320...8192).contains(w), (240...8192).contains(h) else { return nil }
        return (w, h)
    }

    func run() throws {
        var scenes = try Self.catalogueNames.map { try Scene.load($0) }
        var index = 0
        if let name = scene {
            let chosen = try Scene.load(name)
            if let i = scenes.firstIndex(where: { $0.name == chosen.name && $0.source == chosen.source }) {
                index = i
            } else {
                scenes.append(chosen)
                index = scenes.count - 1
            }
        }
        let model = try Self.model(checkpoint: checkpoint, baseline: baseline, learn: learn, scene: scenes[index])
        if case let .model(m as TrainedModelAdapter) = model, m.model.info.sceneName != scenes[index].name {
            FileHandle.standardError.write(Data(("tumble view: note: the model was trained on \(m.model.info.sceneName), "
                + "this is \(scenes[index].name); expect it to be surprised\n").utf8))
        }
        var options = ViewerOptions(scenes: scenes, sceneIndex: index, seed: seed, model: model)
        if let goal {
            do { options.goal = try GoalOption.parse(goal, scene: scenes[index]) } catch {
                throw ValidationErrorPassthrough(message: "tumble view: \(error)")
            }
        }
        if checkpoint == nil && !baseline {
            // No model named: every scene shows its own shipped model, also after [ and ].
            let learn = learn
            options.modelForScene = { scene in
                (try? Self.model(checkpoint: nil, baseline: false, learn: learn, scene: scene))
                    ?? .none(reason: "the shipped model of \(scene.name) could not be loaded")
            }
        }
        if frames != nil { print("scene \(scenes[index].name): " + Self.describe(model)) }
        let (w, h) = Self.parseSize(size)!
        options.width = w; options.height = h
        options.vsync = !noVsync
        options.learn = learn
        options.scriptedKeys = presses.compactMap(ScriptedKey.parse)
        options.frames = frames ?? (screenshot == nil ? nil : 120)
        options.tumbleVersion = TumbleVersion.string
        options.recordDirectory = record.map { URL(fileURLWithPath: $0) }
        // A window remembers its settings; a headless run uses the defaults so its picture never depends on who runs it.
        if options.frames == nil, let file = ViewerSettings.defaultFile() {
            options.settingsFile = file
            do { options.settings = try ViewerSettings.load(file) } catch {
                FileHandle.standardError.write(Data("tumble view: \(error); using the defaults (the file is rewritten on exit)\n".utf8))
            }
        }
        options.horizon = horizon ?? options.settings.horizon
        if let screenshot { options.screenshot = URL(fileURLWithPath: screenshot).path }

        let viewer: Viewer
        do {
            viewer = try Viewer(options: options)
        } catch let e as ViewerError {
            throw ValidationErrorPassthrough(message: e.description)
        }
        let summary = try viewer.run()
        if let shot = summary.screenshot {
            print("saved \(shot) (\(summary.frames) frames, \(summary.steps) observations)")
        }
        if let dir = summary.recording { print("recorded the episode shown to \(dir)") }
        if let g = summary.goal { print(Self.describe(g)) }
        do {
            // Headless runs draw back to back: the loop's own speed. A window draws in real time (vsync caps it), so
            // there the longest frame says whether it stuttered. And what live learning did beside it.
            var line = String(format: "drew %d frames at %.1f frames/s (%.2f ms/frame, longest %.1f ms), %d observations",
                              summary.frames, summary.framesPerSecond, 1000 / max(summary.framesPerSecond, 1e-9),
                              summary.longestFrameSeconds * 1000, summary.steps)
            if summary.learningSeconds > 0 {
                line += String(format: "; live learning: %d steps in %.1f s (%.2f steps/s), %.0f ms of CPU per step",
                               summary.learningSteps, summary.learningSeconds, Double(summary.learningSteps) / summary.learningSeconds,
                               summary.learningCPUSeconds * 1000 / Double(max(summary.learningSteps, 1)))
                line += summary.learningLastLoss.map { String(format: ", last loss %.4g", Double($0)) } ?? ""
            }
            if let label = summary.modelLabel { line += "; model: " + label }
            print(line)
        }
    }

    /// Which model to show. A checkpoint must exist and be readable by this build; without one the window
    /// runs the scene with "no model" in the HUD (or the labelled baseline with --baseline). With --learn, a
    /// missing, unreadable or (for learning on `scene`) incompatible checkpoint is replaced by a new model
    /// that learns from scratch in the window, with a note on stderr saying why.
    static func model(checkpoint: String?, baseline: Bool, learn: Bool = false, scene: Scene? = nil) throws -> ViewerModelChoice {
        if baseline { return .kinematicBaseline }
        func fromScratch(because why: String) throws -> ViewerModelChoice {
            guard learn, let scene else { throw ValidationErrorPassthrough(message: "tumble view: \(why)") }
            FileHandle.standardError.write(Data("tumble view: \(why); --learn: a new model (default config) learns \(scene.name) from scratch\n".utf8))
            do {
                return .model(try TrainedModelAdapter(learningFromScratch: scene))
            } catch {
                throw ValidationErrorPassthrough(message: "tumble view: cannot build a new model for \(scene.name): \(error)")
            }
        }
        func load(_ url: URL) throws -> ViewerModelChoice {
            let adapter: TrainedModelAdapter
            do { adapter = try TrainedModelAdapter.load(checkpoint: url) } catch {
                return try fromScratch(because: "cannot load checkpoint: \(error)")
            }
            if learn, let scene {
                if let why = adapter.learningUnavailable { return try fromScratch(because: "\(url.lastPathComponent) cannot learn online: \(why)") }
                let data = try DataDescription(scene: scene, resolution: adapter.model.info.width)
                if let why = OnlineLearner.incompatibility(of: adapter.model, with: data) {
                    return try fromScratch(because: "\(url.lastPathComponent) cannot learn on \(scene.name): \(why)")
                }
            }
            return .model(adapter)
        }
        guard let checkpoint else {
            // The scene's shipped model: the same file its eval reports name by SHA-256.
            let name = scene.map { shippedModelPath(scene: $0.name) } ?? shippedModelPath(scene: "bounce")
            if let shipped = shippedAsset(name) { return try load(shipped) }
            if learn { return try fromScratch(because: "no --checkpoint and no shipped model for this scene (\(name))") }
            return .none(reason: "no shipped model for \(scene?.name ?? "this scene") (\(name)); pass --checkpoint FILE or --baseline")
        }
        let url = URL(fileURLWithPath: checkpoint)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            return try fromScratch(because: "checkpoint \(url.path) does not exist or is not readable")
        }
        return try load(url)
    }
}

extension ViewCommand {
    /// One line saying how a headless goal-mode run ended.
    static func describe(_ g: GoalSummary) -> String {
        let outcome = g.reachedAtStep.map { "reached at step \($0)" } ?? "not reached"
        let time = g.meanPlanMilliseconds.map { String(format: ", %.0f ms per plan", $0) } ?? ""
        return String(format: "goal (%g, %g): final distance %.2f m, ", Double(g.goal.x), Double(g.goal.y), Double(g.distance))
            + "\(outcome) (success within \(String(format: "%g", Double(g.successRadius))) m); \(g.plans) plans\(time)"
    }

    /// One line saying which model the window shows: its file's SHA-256 and the scene it learned.
    static func describe(_ choice: ViewerModelChoice) -> String {
        switch choice {
        case .none(let reason): return "no model (\(reason))"
        case .kinematicBaseline: return "constant-velocity baseline on true states (no learned model)"
        case .model(let m as TrainedModelAdapter) where !m.isFromScratch:
            return "model sha256 \(m.model.checkpointSHA256), trained on \(m.model.info.sceneName), step \(m.model.step)"
        case .model(let m): return "model " + m.label
        }
    }
}

/// Where a scene's shipped model lives in the checkout: bounce's is the default model, the others are under Assets/models/.
func shippedModelPath(scene: String) -> String {
    scene == "bounce" ? "Assets/default-model.safetensors" : "Assets/models/\(scene).safetensors"
}

/// A file of the checkout (`Assets/…`), from the working directory, then from the executable's directory upwards
/// (so `.build/release/tumble` finds the checkout's Assets/).
func shippedAsset(_ name: String) -> URL? {
    var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name)]
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        candidates.append(dir.appendingPathComponent(name))
        dir = dir.deletingLastPathComponent()
    }
    return candidates.first { FileManager.default.isReadableFile(atPath: $0.path) }
}

/// An error whose text is printed as is (ArgumentParser prefixes "Error: ").
struct ValidationErrorPassthrough: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
