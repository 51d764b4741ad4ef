import Physics

/// The observations of the episode shown, kept so the user can step back through them (← / →, the scrub bar),
/// resume from any of them, and record them as a dataset.
///
/// Each entry holds a `WorldSnapshot` (the episode's replay log up to that observation, so returning is exact),
/// the frame the model read and what a dataset episode holds for that step. At most `capacity` entries are kept
/// (two minutes at 15 Hz, about 40 MB for bounce); older ones are dropped first.
struct Timeline {
    struct Entry {
        var snapshot: WorldSnapshot
        var frame: [UInt8]
        var states: [Float]
        var mask: [Bool]
        /// The action applied in the step that led here (empty at an episode's first observation).
        var actionBefore: [Float]
        /// Per body, whether it began touching something in the step that led here (the dataset's `collisions`).
        var collisions: [Bool]
        var surprise: Float?
        var step: Int { snapshot.step }
    }

    static let capacity = 1800

    private(set) var entries: [Entry] = []
    /// The entry shown: the last one, unless the user stepped back.
    var cursor = 0
    /// The episode step after whose observation a violation was injected; later observations show it.
    private(set) var violationAfter: Int?

    var isEmpty: Bool { entries.isEmpty }
    var isLive: Bool { entries.isEmpty || cursor == entries.count - 1 }
    var current: Entry? { entries.indices.contains(cursor) ? entries[cursor] : nil }

    /// Starts a new episode.
    mutating func clear() {
        entries.removeAll(keepingCapacity: true)
        cursor = 0
        violationAfter = nil
    }

    /// Adds the newest observation; the entries after the cursor (a future the user stepped back from) are dropped,
    /// since the world now continues from the cursor.
    mutating func append(_ e: Entry) {
        dropFuture()
        entries.append(e)
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
        cursor = entries.count - 1
    }

    mutating func dropFuture() {
        guard !entries.isEmpty, cursor < entries.count - 1 else { return }
        entries.removeSubrange((cursor + 1)...)
        if let v = violationAfter, v >= (entries.last?.step ?? 0) { violationAfter = nil }
    }

    /// Notes a violation injected after the observation at the cursor.
    mutating func markViolation() {
        dropFuture()
        if violationAfter == nil, let e = current { violationAfter = e.step }
    }

    /// Entries up to the cursor that show no injected violation: what a recording of the episode may hold.
    var recordable: ArraySlice<Entry> {
        let shown = entries.prefix(cursor + 1)
        guard let v = violationAfter else { return shown }
        return shown.prefix { $0.step <= v }
    }
}
