import Tensor

/// A batch of frames as its distinct colours and, for every pixel, which colour it is.
///
/// An encoder whose layers all see one pixel at a time (1×1 convolutions, stride 1, no coordinate planes)
/// is a function of the pixel's colour alone, so it can run once per distinct colour and be gathered back
/// to the pixels: the same function, at a cost that follows the palette (hundreds to a few thousand colours
/// in a rendered batch) instead of the pixel count (half a million). Its gradient is exact too: gathering
/// scatter-adds each pixel's gradient into its colour's row.
struct PixelPalette {
    /// Distinct colours in order of first appearance, [U, C] in [0, 1].
    let colours: Tensor
    /// Every pixel's row in `colours`, in frame order.
    let index: [Int]
    /// Pixels per colour, [U].
    let counts: [Float]
    let frames: Int, height: Int, width: Int

    /// Frames uint8 [M, H, W, C] with C ≤ 3.
    init(frames: UnsafeBufferPointer<UInt8>, count m: Int, height h: Int, width w: Int, channels c: Int) {
        precondition(c >= 1 && c <= 3 && frames.count >= m * h * w * c, "PixelPalette: C ≤ 3 channels")
        self.frames = m; self.height = h; self.width = w
        let n = m * h * w
        // Open addressing on the packed colour (+1, so 0 marks an empty slot); grows at half full.
        var capacity = 4096
        var keys = [UInt32](repeating: 0, count: capacity), rows = [Int32](repeating: 0, count: capacity)
        var palette = [UInt32]()
        var index = [Int](repeating: 0, count: n)
        @inline(__always) func slot(_ key: UInt32, _ mask: Int) -> Int { Int((key &* 0x9E37_79B1) >> 7) & mask }
        var lastKey: UInt32 = 0, lastRow = 0
        index.withUnsafeMutableBufferPointer { index in
            for p in 0..<n {
                var key: UInt32 = 0
                for k in 0..<c { key = key << 8 | UInt32(frames[p * c + k]) }
                key &+= 1
                if key == lastKey { index[p] = lastRow; continue }
                var s = slot(key, capacity - 1)
                while keys[s] != 0 && keys[s] != key { s = (s + 1) & (capacity - 1) }
                if keys[s] == 0 {
                    keys[s] = key; rows[s] = Int32(palette.count)
                    palette.append(key)
                    if palette.count * 2 > capacity {
                        capacity *= 2
                        keys = [UInt32](repeating: 0, count: capacity); rows = [Int32](repeating: 0, count: capacity)
                        for (r, k) in palette.enumerated() {
                            var t = slot(k, capacity - 1)
                            while keys[t] != 0 { t = (t + 1) & (capacity - 1) }
                            keys[t] = k; rows[t] = Int32(r)
                        }
                        s = slot(key, capacity - 1)
                        while keys[s] != key { s = (s + 1) & (capacity - 1) }
                    }
                }
                lastKey = key; lastRow = Int(rows[s])
                index[p] = lastRow
            }
        }
        var counts = [Float](repeating: 0, count: palette.count)
        counts.withUnsafeMutableBufferPointer { counts in index.withUnsafeBufferPointer { for row in $0 { counts[row] += 1 } } }
        var values = [Float](repeating: 0, count: palette.count * c)
        for (r, key) in palette.enumerated() {
            let packed = key &- 1
            for k in 0..<c { values[r * c + k] = Float((packed >> UInt32(8 * (c - 1 - k))) & 0xFF) * (1 / 255) }
        }
        colours = try! Tensor(values, shape: [palette.count, c])
        self.index = index
        self.counts = counts
    }

    /// Per-pixel values [N] summed into their colours' rows, [U].
    func sumByColour(_ values: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: counts.count)
        for (p, row) in index.enumerated() { out[row] += values[p] }
        return out
    }
}
