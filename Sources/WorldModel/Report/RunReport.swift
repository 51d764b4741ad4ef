import Common
import Foundation
import Observation
import Physics

/// `RUN/report.html` for a run directory: the training curves of its `metrics.csv` (`ReportPage`) and
/// strips of actual vs decoded-predicted frames from its last checkpoint, rolled out on fresh episodes
/// of the run's scene simulated for the page with seeds that no training batch used. `tumble train`
/// writes it at the end of every run (also when stopped by --minutes or a diverging loss) and on
/// demand with `tumble train --report --out RUN`, while or after the run trains.
public enum RunReport {
    /// Episodes shown, one strip each.
    public static let episodes = 3
    /// Predicted steps per strip (the evaluation horizon).
    public static let steps = 10
    /// Tag that derives the page's episode seeds from the config seed (training uses other tags).
    static let seedTag: UInt64 = 0x4E_9047

    /// Writes `run/report.html` atomically and returns its URL. `data` is the run's source (run.json's
    /// or the command line's): it supplies the scene. Without a checkpoint or a usable scene the page
    /// still has every curve and says why the strips are missing; a damaged checkpoint or metrics file
    /// is an error naming it, and the previous page stays.
    @discardableResult
    public static func write(run: URL, data: TrainingData?) throws -> URL {
        let directory = RunDirectory(run)
        let (strips, note) = try frameStrips(directory: directory, data: data)
        return try ReportPage.write(runDirectory: directory.url, strips: strips, stripNote: note)
    }

    /// The strips and the sentence saying where their frames came from (or why there are none).
    static func frameStrips(directory: RunDirectory, data: TrainingData?) throws -> ([FrameStrip], String) {
        let checkpoint = directory.lastCheckpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            return ([], "No frame strips: the run has not saved a checkpoint yet (\(checkpoint.path)).")
        }
        let model = try TrainedModel.load(checkpoint: checkpoint)
        let info = model.info
        var problems: [String] = []
        guard let (scene, origin) = scene(for: info, data: data, problems: { problems.append($0) }) else {
            return ([], "No frame strips: no scene to simulate fresh episodes from (\(problems.joined(separator: "; "))).")
        }

        let h = model.historyLength
        let start = model.config.liveSkip + h - 1
        let length = start + steps + 1
        let source: LiveEpisodes
        do { source = try LiveEpisodes(scene: scene, seedBase: 0, episodes: episodes, steps: length) } catch {
            return ([], "No frame strips: scene \(scene.name) cannot be simulated (\(error)).")
        }
        let d = source.layout.data
        guard d.height == info.height, d.width == info.width, d.channels == info.channels,
              d.bodies == info.bodies, d.actionDimension == info.actionDimension else {
            return ([], "No frame strips: scene \(scene.name) (\(origin)) gives \(d.height)×\(d.width)×\(d.channels) frames, \(d.bodies) bodies and \(d.actionDimension) actions; the model was trained on \(info.height)×\(info.width)×\(info.channels), \(info.bodies) bodies, \(info.actionDimension) actions.")
        }

        // Seeds from a tag of their own, skipping any that training saw.
        let base = SplitMix64.derive(model.config.seed, seedTag)
        let used = Set(model.trainingSeeds.all)
        var seeds: [UInt64] = []
        var index = 0
        while seeds.count < episodes {
            let seed = EpisodeSeeds.seed(base: base, index: index)
            if !used.contains(seed) { seeds.append(seed) }
            index += 1
        }
        let simulated = source.simulate(seeds)
        let frameBytes = info.height * info.width * info.channels, a = info.actionDimension
        var strips: [FrameStrip] = []
        for (e, seed) in seeds.enumerated() {
            let frames = Array(simulated.frames[(e * length * frameBytes)..<((e + 1) * length * frameBytes)])
            let actions = Array(simulated.actions[(e * length * a)..<((e + 1) * length * a)])
            strips.append(try FrameStrip.rollout(model: model, frames: frames, actions: actions, start: start, steps: steps,
                                                 title: "episode seed \(seed): \(steps) steps predicted after frame \(start)"))
        }
        let note = "Fresh episodes of scene \(scene.name) (\(origin)), simulated for this page with seeds "
            + "\(seeds.map(String.init).joined(separator: ", ")) (derived from the config seed \(model.config.seed); none was used in training), "
            + "rolled out by \(directory.url.lastPathComponent)/checkpoints/last.safetensors (step \(model.step)) "
            + "from \(h) true frames\(a > 0 ? " and the recorded actions" : "")."
        return (strips, note)
    }

    /// The scene to simulate: the run's own source first, then the shipped scene of the model's scene
    /// name; the first whose text hashes to the scene the model was trained on. When none does, the
    /// first that loads, with that said in its origin.
    static func scene(for info: ModelInfo, data: TrainingData?, problems: (String) -> Void) -> (Scene, String)? {
        var candidates: [(Scene, String)] = []
        switch data {
        case .scene(let nameOrPath)?:
            do {
                let scene = try Scene.load(nameOrPath)
                let isFile = FileManager.default.fileExists(atPath: nameOrPath)
                candidates.append((scene, isFile ? "file \(URL(fileURLWithPath: nameOrPath).standardizedFileURL.path)" : "shipped with tumble"))
            } catch { problems("\(error)") }
        case .dataset(let url)?:
            let manifest = url.appendingPathComponent(DatasetManifest.fileName)
            do {
                let text = try DatasetManifest.read(manifest).scene.text
                candidates.append((try Scene(yaml: text, file: manifest.path), "the scene text recorded in \(manifest.path)"))
            } catch { problems("\(error)") }
        case nil:
            problems("the run directory has no run.json naming its data")
        }
        if let text = Scene.shippedSource(info.sceneName), let shipped = try? Scene(yaml: text, file: "\(info.sceneName).yaml (shipped)") {
            candidates.append((shipped, "shipped with tumble"))
        }
        if let match = candidates.first(where: { FileDigest.sha256(Data($0.0.source.utf8)) == info.sceneSHA256 }) {
            return match
        }
        guard let first = candidates.first else { return nil }
        return (first.0, first.1 + "; its text is not the text the model was trained on (SHA-256 \(info.sceneSHA256.prefix(12))…)")
    }
}
