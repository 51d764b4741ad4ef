import Physics

extension EpisodeBatch {
    /// Puts the rows of each group of look-alike bodies (`DataDescription.lookAlikeRows`) in the order the frames
    /// show, frame by frame: the bodies present, by increasing x, then the absent rows. No frame tells which of two
    /// same-coloured pebbles the simulator calls row 5, so probes are trained and scored on this order, the same
    /// whether the batch was simulated (absent rows all zero) or read from a dataset (its `mask`). States, collision
    /// flags and the mask move with their rows.
    public mutating func orderLookAlikes() {
        let groups = layout.data.lookAlikeRows
        guard !groups.isEmpty else { return }
        let n = layout.bodies, t = layout.steps, sf = EpisodeLayout.stateFields
        for e in 0..<episodes {
            for group in groups {
                var presentCount = 0
                for step in 0..<t {
                    let base = (e * t + step) * n
                    func present(_ r: Int) -> Bool {
                        if let mask { return mask[e * n + r] }
                        return (0..<sf).contains { states[(base + r) * sf + $0] != 0 }
                    }
                    let order = Scene.lookAlikeOrder(group, x: { states[(base + $0) * sf] }, present: present)
                    presentCount = group.filter(present).count
                    guard order != group else { continue }
                    let rows = order.map { r in (0..<sf).map { states[(base + r) * sf + $0] } }
                    let touches = collisions.map { c in order.map { c[base + $0] } }
                    for (slot, r) in group.enumerated() {
                        for f in 0..<sf { states[(base + r) * sf + f] = rows[slot][f] }
                        if let touches { collisions![base + r] = touches[slot] }
                    }
                }
                if mask != nil { for (slot, r) in group.enumerated() { mask![e * n + r] = slot < presentCount } }
            }
        }
    }
}
