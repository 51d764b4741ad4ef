import Tensor

extension WorldNetwork {
    /// A deep copy (every parameter: online, target, heads) with no gradients and no shared storage, so the
    /// copy can be read on one thread while this network trains on another. `info` replaces the stored
    /// one (the probe's normalisation); the architecture is the same.
    func copy(info newInfo: ModelInfo? = nil) throws -> WorldNetwork {
        let twin = try WorldNetwork(config: config, info: newInfo ?? info)
        for ((name, dst), (_, src)) in zip(twin.allParameters, allParameters) {
            precondition(dst.shape == src.shape, "WorldNetwork.copy: \(name) changed shape")
            try dst.assign(src)
        }
        return twin
    }

    /// The predictor's parameters (what online learning trains with a frozen encoder), by name.
    var predictorParameters: [(name: String, tensor: Tensor)] {
        online.named.filter { $0.0.hasPrefix("predictor.") }.map { (name: $0.0, tensor: $0.1) }
    }
}
