extension Scene {
    /// Groups of state rows whose bodies look the same in the frames: instances of one body entry drawn in the same
    /// colour (an entry with more instances than colours, such as ramp's pebbles). No frame tells which of them the
    /// simulator calls row r, so a read-out can only be held to them in an order the frames show (`EpisodeBatch`
    /// puts each group in order of x). Chain links are left out: a link's place in its chain names it.
    public var lookAlikeRows: [[Int]] {
        var groups: [[Int]] = []
        var row = 0
        for spec in bodies where spec.type == .dynamic {
            let n = spec.count.upper, colours = max(1, spec.colors.count)
            if n > colours {
                for c in 0..<colours {
                    let group = Array(stride(from: row + c, to: row + n, by: colours))
                    if group.count > 1 { groups.append(group) }
                }
            }
            row += n
        }
        return groups
    }

    /// The order a read-out holds `group`'s rows in: the rows present, by increasing x (then row), then the absent
    /// rows as they were. Slot j of the read-out is row `order[j]` of the simulator.
    public static func lookAlikeOrder(_ group: [Int], x: (Int) -> Float, present: (Int) -> Bool) -> [Int] {
        let shown = group.filter(present)
        return shown.sorted { (x($0), $0) < (x($1), $1) } + group.filter { !shown.contains($0) }
    }
}
