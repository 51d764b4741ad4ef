import Foundation

/// Everything a training run needs to resume, gathered under name prefixes and saved as one safetensors
/// file: module parameters ("model."), EMA targets ("ema."), optimiser moments ("optim.") and string
/// metadata (config, step, RNG state, optimiser step as "optim.step").
public struct Checkpoint {
    public var tensors: [(name: String, tensor: Tensor)] = []
    public var metadata: [String: String] = [:]
    /// Where it was loaded from (for error messages).
    public var source = "checkpoint"

    public init() {}

    /// Adds named tensors as they are (a model that names its own parameters).
    public mutating func add(_ named: [(name: String, tensor: Tensor)]) { tensors += named }

    /// Adds a module's parameters as `prefix + name`.
    public mutating func add(_ module: Module, prefix: String) {
        tensors += module.parameters.map { (name: prefix + $0.name, tensor: $0.tensor) }
    }

    /// Adds an optimiser's moment tensors and its metadata, all under `prefix`.
    public mutating func add(_ optimizer: Optimizer, prefix: String) {
        let s = optimizer.state()
        tensors += s.tensors.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for (k, v) in s.metadata { metadata[prefix + k] = v }
    }

    /// Records a random generator's state under `key`.
    public mutating func add(_ rng: RNG, key: String) { metadata[key] = rng.stateString }

    /// Writes the file atomically.
    public func save(to url: URL) throws { try SafeTensors.save(tensors, metadata: metadata, to: url) }

    /// The file's bytes (to write them to more than one place).
    public func encoded() throws -> [UInt8] { try SafeTensors.encode(tensors, metadata: metadata) }

    /// A checkpoint read from a decoded file (`source` names it in errors).
    public init(_ file: SafeTensorsFile, source: String) {
        tensors = file.names.map { (name: $0, tensor: file.tensors[$0]!) }
        metadata = file.metadata
        self.source = source
    }

    /// Reads and validates a file.
    public static func load(from url: URL) throws -> Checkpoint {
        Checkpoint(try SafeTensors.load(from: url), source: url.path)
    }

    var byName: [String: Tensor] { Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }) }

    /// Loads `prefix + name` into every parameter of `module` (exact names and shapes required).
    public func restore(_ module: Module, prefix: String) throws {
        try module.load(byName, prefix: prefix, strict: true, source: source)
    }

    /// Restores an optimiser saved with `add(_:prefix:)`.
    public func restore(_ optimizer: Optimizer, prefix: String) throws {
        var sub: [String: Tensor] = [:]
        for (k, v) in byName where k.hasPrefix(prefix) { sub[String(k.dropFirst(prefix.count))] = v }
        var meta: [String: String] = [:]
        for (k, v) in metadata where k.hasPrefix(prefix) { meta[String(k.dropFirst(prefix.count))] = v }
        do { try optimizer.loadState(tensors: sub, metadata: meta) } catch let e as ParameterError {
            throw ParameterError(message: "\(source): \(e.message)")
        }
    }

    /// The generator saved under `key`.
    public func rng(_ key: String) throws -> RNG {
        guard let s = metadata[key] else { throw ParameterError(message: "\(source): metadata '\(key)' (RNG state) is missing") }
        do { return try RNG(stateString: s) } catch {
            throw ParameterError(message: "\(source): metadata '\(key)' is not an RNG state: \(error)")
        }
    }

    /// One tensor by name.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = byName[name] else { throw ParameterError(message: "\(source): tensor '\(name)' is missing") }
        return t
    }
}
