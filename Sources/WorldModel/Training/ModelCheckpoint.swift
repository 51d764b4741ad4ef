import Common
import Foundation
import Tensor

/// A training checkpoint: one safetensors file holding the model (online encoder and predictor, EMA
/// target, probe, decoder), the three optimisers' moments, and in `__metadata__` the resolved config,
/// what the model was trained on, the step, both generators, the training seeds and the number of ranks
/// (data-parallel processes) that wrote it.
///
/// Loading checks before building anything: the file's structure (the safetensors reader rejects a
/// truncated or inconsistent file), the format tag, the config, and that every tensor the config's
/// architecture implies is present with its shape (a checkpoint of another architecture is refused).
enum ModelCheckpoint {
    static let format = "tumble-world-model"
    static let formatVersion = 1

    /// Everything but the tensors.
    struct Contents {
        var config: TrainingConfig
        var info: ModelInfo
        var step: Int
        var seeds: TrainingSeeds
        var dataRNG: UInt64
        var tensorRNG: RNG
        /// Data-parallel ranks of the run that wrote it (1 for a plain run).
        var ranks: Int = 1
        /// Tensors by name (filled when read from a file).
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var path: String = ""

        /// Copies the stored model and optimiser state into freshly built ones.
        func restore(into network: WorldNetwork, optimizers: Optimizers) throws {
            try ModelCheckpoint.copyParameters(tensors, into: network, path: path)
            var stored = Checkpoint()
            stored.add(tensors.map { (name: $0.key, tensor: $0.value) })
            stored.metadata = metadata
            for (prefix, opt) in optimizers.all {
                do { try stored.restore(opt, prefix: prefix + ".") } catch {
                    throw RunError.checkpoint(path: path, message: "optimiser state \(prefix): \(error)")
                }
            }
        }
    }

    /// Serialises a checkpoint to safetensors bytes: the network's tensors, then each optimiser's.
    static func encode(_ c: Contents, network: WorldNetwork, optimizers: Optimizers) throws -> Data {
        var file = Checkpoint()
        file.add(network.allParameters)
        file.metadata = [
            "format": format,
            "format_version": String(formatVersion),
            "config": c.config.yaml,
            "info": try jsonString(c.info),
            "step": String(c.step),
            "training_seeds": try jsonString(c.seeds),
            "data_rng": String(c.dataRNG, radix: 16),
            "latent_dimension": String(network.latentDimension),
        ]
        // Only under MPI: a single process's checkpoint keeps the bytes it had before ranks existed (absent = 1).
        if c.ranks > 1 { file.metadata["ranks"] = String(c.ranks) }
        file.add(c.tensorRNG, key: "tensor_rng")
        for (prefix, opt) in optimizers.all { file.add(opt, prefix: prefix + ".") }
        return Data(try file.encoded())
    }

    /// Reads and checks a checkpoint file (see the type's doc). Errors name the file and the problem.
    static func readContents(_ url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RunError.checkpoint(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try readContents(data, path: url.path)
    }

    static func readContents(_ data: Data, path: String) throws -> Contents {
        let file: SafeTensorsFile
        do { file = try SafeTensors.decode([UInt8](data), source: path) } catch {
            throw RunError.checkpoint(path: path, message: "not a readable safetensors file: \(error)")
        }
        if let bad = file.firstNonFinite() {
            throw RunError.checkpoint(path: path, message: "tensor \(bad.name): element \(bad.index) is \(bad.value); a checkpoint's tensors must be finite (the run that wrote it diverged, or the file was altered)")
        }
        let meta = file.metadata
        guard meta["format"] == format else {
            throw RunError.checkpoint(path: path, message: "__metadata__.format: expected \"\(format)\", got \(meta["format"].map { "\"\($0)\"" } ?? "nothing") (not a Tumble world-model checkpoint)")
        }
        guard meta["format_version"] == String(formatVersion) else {
            throw RunError.checkpoint(path: path, message: "__metadata__.format_version: expected \(formatVersion), got \(meta["format_version"] ?? "nothing")")
        }
        func field(_ key: String) throws -> String {
            guard let v = meta[key] else { throw RunError.checkpoint(path: path, message: "__metadata__.\(key): missing") }
            return v
        }
        let config: TrainingConfig
        do { config = try TrainingConfig(yaml: try field("config"), source: path + " (__metadata__.config)") } catch let e as ConfigError {
            throw RunError.checkpoint(path: path, message: "stored config is invalid: \(e)")
        }
        let info: ModelInfo = try decodeJSON(try field("info"), path: path, key: "info")
        let seeds: TrainingSeeds = try decodeJSON(try field("training_seeds"), path: path, key: "training_seeds")
        guard let step = Int(try field("step")), step >= 0 else {
            throw RunError.checkpoint(path: path, message: "__metadata__.step: expected a non-negative integer")
        }
        guard let dataRNG = UInt64(try field("data_rng"), radix: 16) else {
            throw RunError.checkpoint(path: path, message: "__metadata__.data_rng: expected hex digits")
        }
        let tensorRNG: RNG
        do { tensorRNG = try RNG(stateString: try field("tensor_rng")) } catch {
            throw RunError.checkpoint(path: path, message: "__metadata__.tensor_rng: \(error)")
        }
        var ranks = 1
        if let text = meta["ranks"] {
            guard let n = Int(text), n >= 1 else {
                throw RunError.checkpoint(path: path, message: "__metadata__.ranks: expected a whole number ≥ 1, got \"\(text)\"")
            }
            ranks = n
        }
        return Contents(config: config, info: info, step: step, seeds: seeds, dataRNG: dataRNG, tensorRNG: tensorRNG,
                        ranks: ranks, tensors: file.tensors, metadata: meta, path: path)
    }

    /// A loaded model for inference: contents checked against the architecture its config builds.
    /// `configText` is the config exactly as stored (what the checkpoint's training run wrote).
    static func read(_ url: URL) throws -> (config: TrainingConfig, configText: String, sha256: String, seeds: TrainingSeeds, info: ModelInfo, step: Int, network: WorldNetwork) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RunError.checkpoint(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        let contents = try readContents(data, path: url.path)
        let network: WorldNetwork
        do { network = try WorldNetwork(config: contents.config, info: contents.info) } catch {
            throw RunError.checkpoint(path: url.path, message: "stored config does not build a model for its data: \(error)")
        }
        try copyParameters(contents.tensors, into: network, path: url.path)
        let sha = FileDigest.sha256(data)
        return (contents.config, contents.metadata["config"] ?? contents.config.yaml, sha, contents.seeds, contents.info, contents.step, network)
    }

    /// Copies every parameter the architecture needs; a missing, extra or mis-shaped tensor means the file
    /// belongs to another architecture.
    static func copyParameters(_ tensors: [String: Tensor], into network: WorldNetwork, path: String) throws {
        let expected = network.allParameters
        let expectedNames = Set(expected.map(\.0))
        for (name, t) in expected {
            guard let stored = tensors[name] else {
                throw RunError.checkpoint(path: path, message: "tensor \(name) is missing: the file was written for another architecture")
            }
            guard stored.shape == t.shape else {
                throw RunError.checkpoint(path: path, message: "tensor \(name) has shape \(stored.shape), this architecture expects \(t.shape)")
            }
            try t.assign(stored)
        }
        if let extra = tensors.keys.sorted().first(where: { !expectedNames.contains($0) && !$0.hasPrefix("optim.") }) {
            throw RunError.checkpoint(path: path, message: "unexpected tensor \(extra): the file was written for another architecture")
        }
    }

    static func jsonString<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ text: String, path: String, key: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw RunError.checkpoint(path: path, message: "__metadata__.\(key): not the expected JSON (\(error))")
        }
    }
}
