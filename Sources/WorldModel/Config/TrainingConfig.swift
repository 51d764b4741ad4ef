import Foundation
import Tensor
import Yams

/// A resolved training configuration: every key of the schema has a value that passed its bounds
/// and the cross-field checks. Built from defaults, then a YAML file, then `--set` overrides.
public struct TrainingConfig: Equatable, Sendable {
    /// Flat map from dotted key to value; always holds every schema key.
    public private(set) var values: [String: ConfigValue]

    /// The defaults: the shipped default model's configuration.
    public init() {
        values = Dictionary(uniqueKeysWithValues: Self.schema.map { ($0.key, $0.defaultValue) })
    }

    /// Reads a YAML config file over the defaults. Nested mappings become dotted keys.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(source: url.path, line: nil, key: "(file)", message: "cannot read: \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: url.path)
    }

    /// Parses YAML text (see `init(contentsOf:)`); `source` names it in errors.
    public init(yaml text: String, source: String) throws {
        self.init()
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError(source: source, line: nil, key: "(file)", message: "not valid YAML: \(error)")
        }
        guard let root = node else { try validate(source: source); return }   // empty file: all defaults
        guard case .mapping(let mapping) = root else {
            throw ConfigError(source: source, line: root.mark?.line, key: "(root)", message: "expected a mapping of keys to values")
        }
        try apply(mapping: mapping, prefix: "", source: source)
        try validate(source: source)
    }

    private mutating func apply(mapping: Node.Mapping, prefix: String, source: String) throws {
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(source: source, line: keyNode.mark?.line, key: prefix.isEmpty ? "(root)" : prefix,
                                  message: "keys must be plain names")
            }
            let key = prefix.isEmpty ? keyScalar.string : prefix + "." + keyScalar.string
            let line = keyNode.mark?.line
            if case .mapping(let sub) = valueNode {
                guard Self.schema.contains(where: { $0.key.hasPrefix(key + ".") }) else {
                    throw ConfigError(source: source, line: line, key: key, message: "unknown section (known: \(Self.knownSections.joined(separator: ", ")))")
                }
                try apply(mapping: sub, prefix: key, source: source)
                continue
            }
            guard let entry = Self.entriesByKey[key] else {
                throw ConfigError(source: source, line: line, key: key, message: "unknown key\(Self.suggestion(for: key))")
            }
            let text: String
            switch valueNode {
            case .scalar(let s): text = s.string
            case .sequence(let seq):
                var parts: [String] = []
                for item in seq {
                    guard case .scalar(let s) = item else {
                        throw ConfigError(source: source, line: item.mark?.line ?? line, key: key, message: "expected \(entry.kind.expected)")
                    }
                    parts.append(s.string)
                }
                text = "[" + parts.joined(separator: ",") + "]"
            default:
                throw ConfigError(source: source, line: line, key: key, message: "expected \(entry.kind.expected)")
            }
            guard let value = entry.kind.parse(text) else {
                throw ConfigError(source: source, line: line, key: key, message: "expected \(entry.kind.expected), got '\(text)'")
            }
            values[key] = value
        }
    }

    /// Applies `key=value` overrides (from `--set`), then re-validates.
    public mutating func override(_ assignments: [String]) throws {
        for a in assignments {
            guard let eq = a.firstIndex(of: "=") else {
                throw ConfigError(source: "--set", line: nil, key: a, message: "expected key=value")
            }
            let key = String(a[..<eq]).trimmingCharacters(in: .whitespaces)
            let text = String(a[a.index(after: eq)...])
            try set(key, text, source: "--set")
        }
        try validate(source: "--set")
    }

    /// Sets one key from text, checking it; used by overrides and tests.
    mutating func set(_ key: String, _ text: String, source: String) throws {
        guard let entry = Self.entriesByKey[key] else {
            throw ConfigError(source: source, line: nil, key: key, message: "unknown key\(Self.suggestion(for: key))")
        }
        guard let value = entry.kind.parse(text) else {
            throw ConfigError(source: source, line: nil, key: key, message: "expected \(entry.kind.expected), got '\(text)'")
        }
        values[key] = value
    }

    private static var knownSections: [String] {
        var seen: [String] = []
        for e in schema { if let dot = e.key.firstIndex(of: ".") { let s = String(e.key[..<dot]); if !seen.contains(s) { seen.append(s) } } }
        return seen
    }

    private static func suggestion(for key: String) -> String {
        let inside = schema.filter { $0.key.hasPrefix(key + ".") }.map(\.key)
        if !inside.isEmpty { return ": \(key) is a section; set one of its keys (\(inside.prefix(4).joined(separator: ", "))\(inside.count > 4 ? ", …" : ""))" }
        let last = key.split(separator: ".").last.map(String.init) ?? key
        if let near = schema.first(where: { $0.key.hasSuffix("." + last) || $0.key == last }) { return " (did you mean \(near.key)?)" }
        return ""
    }

    /// Checks what single keys cannot: list lengths agree, clip long enough for history and rollout, etc.
    func validate(source: String) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(source: source, line: nil, key: key, message: message) }
        let n = encoderChannels.count
        if encoderKernels.count != n { throw fail("model.encoder.kernels", "expected \(n) entries, one per model.encoder.channels entry, got \(encoderKernels.count)") }
        if encoderStrides.count != n { throw fail("model.encoder.strides", "expected \(n) entries, one per model.encoder.channels entry, got \(encoderStrides.count)") }
        for (i, (k, s)) in zip(encoderKernels, encoderStrides).enumerated() where k < s {
            throw fail("model.encoder.kernels", "layer \(i): kernel \(k) must be ≥ its stride \(s)")
        }
        if predictorKernel % 2 == 0 { throw fail("model.predictor.kernel", "expected an odd kernel size (same padding), got \(predictorKernel)") }
        if let why = predictorKind.incompatibility(with: latentKind) { throw fail("model.predictor.kind", why) }
        if target == .infomax && !encoderSoftmax {
            throw fail("objective.target", "infomax scores the encoder's per-pixel masks; it needs model.encoder.output: softmax")
        }
        if encoderMassNormalise && !encoderSoftmax {
            throw fail("model.encoder.normalise", "mass divides each mask's map by its total, which only softmax masks have; it needs model.encoder.output: softmax (or normalise: none)")
        }
        if encoderInstances > 1 && !(encoderColourInit && encoderSoftmax && latentKind == .spatial) {
            throw fail("model.encoder.instances", "splits the masks of colours the first batch shows as several bodies, which model.encoder.colour_init finds; it needs colour_init: true, output: softmax and a spatial latent")
        }
        if novelColours > 0 && !(encoderSoftmax && !coordChannels && encoderKernels.allSatisfy { $0 == 1 } && encoderStrides.allSatisfy { $0 == 1 }) {
            throw fail("objective.novel_colours", "scores the masks of colours no frame shows, which only a per-pixel encoder has; it needs model.encoder.output: softmax, model.encoder.kernels and strides of 1 and model.coord_channels: false")
        }
        if encoderColourInitBatches > 1 && !encoderColourInit {
            throw fail("model.encoder.colour_init_batches", "counts colours for model.encoder.colour_init; it needs colour_init: true")
        }
        if clipLength < 2 + max(rolloutSteps, 1) {
            throw fail("data.clip_length", "expected ≥ \(2 + max(rolloutSteps, 1)) frames: 2 of history plus objective.rollout_steps = \(rolloutSteps) predicted")
        }
        if batchClips % liveWindows != 0 {
            throw fail("data.live_windows", "data.batch_clips (\(batchClips)) must be a multiple of it, got \(liveWindows)")
        }
        if emaEnd < emaStart { throw fail("objective.ema_end", "expected ≥ objective.ema_start (\(emaStart)), got \(emaEnd)") }
        if warmupSteps > scheduleSteps { throw fail("optim.warmup_steps", "expected ≤ optim.schedule_steps (\(scheduleSteps)), got \(warmupSteps)") }
    }

    // MARK: Canonical text

    /// The resolved config as YAML, keys in schema order, nested by section. Parses back to an equal config. Options
    /// added after the shipped models were trained appear only when set (`ConfigEntry.storedWhenDefault`).
    public var yaml: String {
        var out = "# Tumble training configuration (resolved: every key, defaults filled in)\n"
        var openPath: [String] = []
        for entry in Self.schema where entry.storedWhenDefault || values[entry.key] != entry.defaultValue {
            let parts = entry.key.split(separator: ".").map(String.init)
            let parents = Array(parts.dropLast())
            var common = 0
            while common < min(openPath.count, parents.count) && openPath[common] == parents[common] { common += 1 }
            for depth in common..<parents.count {
                out += String(repeating: "  ", count: depth) + parents[depth] + ":\n"
            }
            openPath = parents
            out += String(repeating: "  ", count: parents.count) + parts.last! + ": " + values[entry.key]!.description + "\n"
        }
        return out
    }

    /// Keys whose values differ from `other`, ignoring the ones that may change on resume.
    public func differences(from other: TrainingConfig) -> [String] {
        Self.schema.filter { !$0.resumable && values[$0.key] != other.values[$0.key] }.map {
            "\($0.key): \(other.values[$0.key]!.description) → \(values[$0.key]!.description)"
        }
    }
}

// MARK: Typed accessors

public enum LatentKind: String, Sendable { case spatial, global, keypoints }
public enum PredictorKind: String, Sendable, CaseIterable { case conv, objects, mlp, gru }
public enum TargetKind: String, Sendable { case ema, vicreg, sigreg, infomax }
public enum LatentLoss: String, Sendable { case mse, l1, smoothL1 = "smooth_l1" }
/// What the angle read-out is linear in (`OrientationFeatures`).
public enum AngleFeatures: String, Sendable, CaseIterable { case moments, projections }

extension TrainingConfig {
    func int(_ k: String) -> Int { if case .int(let v) = values[k]! { return v }; fatalError("config key \(k) is not an int") }
    func double(_ k: String) -> Double { if case .double(let v) = values[k]! { return v }; fatalError("config key \(k) is not a number") }
    func bool(_ k: String) -> Bool { if case .bool(let v) = values[k]! { return v }; fatalError("config key \(k) is not a bool") }
    func string(_ k: String) -> String { if case .string(let v) = values[k]! { return v }; fatalError("config key \(k) is not a choice") }
    func ints(_ k: String) -> [Int] { if case .ints(let v) = values[k]! { return v }; fatalError("config key \(k) is not a list") }

    public var seed: UInt64 { UInt64(int("seed")) }
    public var clipLength: Int { int("data.clip_length") }
    public var batchClips: Int { int("data.batch_clips") }
    public var liveWindows: Int { int("data.live_windows") }
    public var liveSkip: Int { int("data.live_skip") }
    public var latentKind: LatentKind { LatentKind(rawValue: string("model.latent"))! }
    public var coordChannels: Bool { bool("model.coord_channels") }
    public var encoderColourInit: Bool { bool("model.encoder.colour_init") }
    /// `model.encoder.instances`: maps per mask whose colour shows as several bodies (1: off).
    public var encoderInstances: Int { int("model.encoder.instances") }
    /// `model.encoder.colour_init_batches`: first batches the colour start counts colours over.
    public var encoderColourInitBatches: Int { int("model.encoder.colour_init_batches") }
    public var encoderChannels: [Int] { ints("model.encoder.channels") }
    public var encoderKernels: [Int] { ints("model.encoder.kernels") }
    public var encoderStrides: [Int] { ints("model.encoder.strides") }
    public var encoderPool: Int { int("model.encoder.pool") }
    public var encoderPoolSigma: Double { double("model.encoder.pool_sigma") }
    public var encoderSoftmax: Bool { string("model.encoder.output") == "softmax" }
    public var encoderSoftmaxTemperature: Double { double("model.encoder.softmax_temperature") }
    public var encoderMassNormalise: Bool { string("model.encoder.normalise") == "mass" }
    public var encoderNormaliseEps: Double { double("model.encoder.normalise_eps") }
    public var globalDim: Int { int("model.global_dim") }
    public var predictorKind: PredictorKind { PredictorKind(rawValue: string("model.predictor.kind"))! }
    public var predictorHidden: [Int] { ints("model.predictor.hidden") }
    public var predictorChannels: Int { int("model.predictor.channels") }
    /// `model.predictor.contacts: true`: the objects predictor's nodes read their near neighbours.
    public var predictorContacts: Bool { string("model.predictor.contacts") == "true" }
    /// `model.predictor.edges: repulsive`: the objects predictor's edges only push maps apart.
    public var predictorRepulsive: Bool { string("model.predictor.edges") == "repulsive" }
    /// `model.predictor.turning: true`: the objects predictor turns maps as well as moving them.
    public var predictorTurning: Bool { bool("model.predictor.turning") }
    /// `model.predictor.mixing: true`: the objects predictor mixes its moved maps by a learned [C, C] matrix.
    public var predictorMixing: Bool { bool("model.predictor.mixing") }
    /// `model.predictor.resampling`.
    public var predictorResampling: TranslateKernel { TranslateKernel(rawValue: string("model.predictor.resampling"))! }
    /// `model.predictor.rollout_resampling`, with `same` resolved.
    public var predictorRolloutResampling: TranslateKernel {
        TranslateKernel(rawValue: string("model.predictor.rollout_resampling")) ?? predictorResampling
    }
    /// `model.predictor.mixing_spread`: spread (cells²) above which a map is rebuilt by the mix.
    public var predictorMixingSpread: Double { double("model.predictor.mixing_spread") }
    /// `model.predictor.action_maps: actor`: the action reaches one map only (chosen from the first batch).
    public var actionToActorMap: Bool { string("model.predictor.action_maps") == "actor" }
    public var predictorLayers: Int { int("model.predictor.layers") }
    public var predictorKernel: Int { int("model.predictor.kernel") }
    public var target: TargetKind { TargetKind(rawValue: string("objective.target"))! }
    public var emaStart: Double { double("objective.ema_start") }
    public var emaEnd: Double { double("objective.ema_end") }
    public var loss: LatentLoss { LatentLoss(rawValue: string("objective.loss"))! }
    public var rolloutSteps: Int { int("objective.rollout_steps") }
    public var rolloutWeight: Double { double("objective.rollout_weight") }
    public var centroidWeight: Double { double("objective.centroid_weight") }
    public var vicregStd: Double { double("objective.vicreg_std") }
    public var vicregCov: Double { double("objective.vicreg_cov") }
    public var vicregGamma: Double { double("objective.vicreg_gamma") }
    public var sigregWeight: Double { double("objective.sigreg_weight") }
    public var sigregProjections: Int { int("objective.sigreg_projections") }
    public var infomaxWeight: Double { double("objective.infomax_weight") }
    public var infomaxSharpness: Double { double("objective.infomax_sharpness") }
    /// `objective.novel_colours`: weight of the even spread over masks asked of colours a batch does not show.
    public var novelColours: Double { double("objective.novel_colours") }
    /// `objective.novel_colour_distance`: how far (0…255 a channel) drawn colours stay from every seen one.
    public var novelColourDistance: Double { double("objective.novel_colour_distance") }
    public var infomaxMotion: Double { double("objective.infomax_motion") }
    /// `objective.novel_colour_target: background`: drawn colours are asked into the batch's largest mask.
    public var novelColoursToBackground: Bool { values["objective.novel_colour_target"] == .string("background") }
    /// `objective.infomax_weighting: mixture`.
    public var infomaxMixtureWeighting: Bool { values["objective.infomax_weighting"] == .string("mixture") }
    public var inverseDynamics: Double { double("objective.inverse_dynamics") }
    public var lr: Double { double("optim.lr") }
    public var weightDecay: Double { double("optim.weight_decay") }
    public var beta1: Double { double("optim.beta1") }
    public var beta2: Double { double("optim.beta2") }
    public var warmupSteps: Int { int("optim.warmup_steps") }
    public var scheduleSteps: Int { int("optim.schedule_steps") }
    public var minLRRatio: Double { double("optim.min_lr_ratio") }
    public var gradClip: Double { double("optim.grad_clip") }
    public var probeLR: Double { double("probe.lr") }
    public var probeRefitBatches: Int { int("probe.refit_batches") }
    public var probeRefitIterations: Int { int("probe.refit_iterations") }
    public var probeRefitL2: Double { double("probe.refit_l2") }
    public var probeAngleL2: Double { double("probe.angle_l2") }
    public var probeAngleIterations: Int { int("probe.angle_iterations") }
    public var probeAngleStandardise: Bool { bool("probe.angle_standardise") }
    public var probeAngleWindow: Double { double("probe.angle_window") }
    public var probeAngleFeatures: AngleFeatures { AngleFeatures(rawValue: string("probe.angle_features"))! }
    public var decoderChannels: [Int] { ints("decoder.channels") }
    public var decoderLR: Double { double("decoder.lr") }
    public var steps: Int { int("train.steps") }
    public var logEvery: Int { int("train.log_every") }
    public var checkpointEvery: Int { int("train.checkpoint_every") }
    public var maxLoss: Double { double("train.max_loss") }

    /// Learning rate at `step`: linear warm-up, then cosine to `min_lr_ratio` over `schedule_steps`, then flat.
    public func learningRate(at step: Int) -> Double {
        WarmupCosine(peak: lr, warmupSteps: warmupSteps, totalSteps: scheduleSteps, floorRatio: minLRRatio)(step)
    }

    /// EMA momentum at `step`: linear ramp from ema_start to ema_end over `schedule_steps`.
    public func emaMomentum(at step: Int) -> Double {
        MomentumSchedule(start: emaStart, end: emaEnd, totalSteps: scheduleSteps)(step)
    }
}
