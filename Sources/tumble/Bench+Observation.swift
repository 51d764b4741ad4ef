import Dispatch
import Foundation
import Observation
import Physics
#if canImport(Glibc)
import Glibc
#endif

extension BenchSuite {
    /// Rendering and end-to-end recording of bounce at 64×64 RGB (target: ≥ 50,000 frames/s recorded).
    ///
    /// `record_frames_per_s.bounce` writes real shards to disk (both cores, fsync before rename). Beside it,
    /// the same recording into /dev/shm (memory; fsync costs nothing) shows the CPU-bound rate, and a plain
    /// write + fdatasync of the same bytes shows what the disk itself sustains, so a disk-bound figure is
    /// recognisable as such.
    static let observation = BenchSuite(name: "observation") {
        var figures: [BenchFigure] = []
        let scene = try Scene.load("bounce")

        // Rasteriser alone, one core: frames drawn from 256 distinct world states, through the static-backdrop
        // cache as the observation stream draws them.
        let stream = try ObservationStream(scene: scene, resolution: 64)
        var lists: [[Drawable]] = []
        stream.reset(seed: 1)
        for _ in 0..<256 {
            var list: [Drawable] = []
            stream.world.drawables(into: &list)
            lists.append(list)
            stream.step(action: nil)
        }
        let frame = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: stream.frameByteCount)
        defer { frame.deallocate() }
        let camera = stream.world.camera
        let cache = RasterCache()
        var best = Double.infinity
        let renders = 40_000
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for i in 0..<renders { stream.rasterizer.draw(lists[i & 255], camera: camera, into: frame, cache: cache) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        figures.append(BenchFigure(key: "render_frames_per_s.bounce", value: Double(renders) / best, unit: "frames/s, 64×64 RGB, one core"))

        // End to end: 256 episodes × 128 steps (32,768 frames, ~400 MB) in shards of 32 episodes.
        func record(into parent: String) throws -> (fps: Double, bytes: Int) {
            let dir = URL(fileURLWithPath: parent).appendingPathComponent("tumble-bench-\(getpid())-\(UUID().uuidString.prefix(6))")
            defer { try? FileManager.default.removeItem(at: dir) }
            var o = RecordOptions(scene: scene, output: dir, tumbleVersion: TumbleVersion.string)
            o.episodes = 256
            o.steps = 128
            o.resolution = 64
            o.episodesPerShard = 32
            o.seed = 1
            let summary = try Recorder(options: o).run()
            return (Double(summary.framesRecorded) / summary.seconds, summary.manifest.shards.reduce(0) { $0 + $1.bytes })
        }
        let disk = try record(into: FileManager.default.temporaryDirectory.path)
        figures.append(BenchFigure(key: "record_frames_per_s.bounce", value: disk.fps, unit: "frames/s to disk, 64×64 RGB, both cores, fsync"))
        if FileManager.default.isWritableFile(atPath: "/dev/shm") {
            let memory = try record(into: "/dev/shm")
            figures.append(BenchFigure(key: "record_frames_per_s.bounce_memory", value: memory.fps, unit: "frames/s into /dev/shm (CPU-bound rate)"))
        }
        let mbps = try diskWriteRate(directory: FileManager.default.temporaryDirectory.path, bytes: 256 << 20)
        figures.append(BenchFigure(key: "disk_write_mb_per_s", value: mbps, unit: "MB/s write + fdatasync (\(FileManager.default.temporaryDirectory.path))"))
        figures.append(BenchFigure(key: "disk_limit_frames_per_s.bounce", value: mbps * 1e6 / Double(64 * 64 * 3),
                                   unit: "frames/s the disk can take at 64×64 RGB"))
        return figures
    }

    /// What `dd bs=16M conv=fdatasync` measures: sequential writes of `bytes`, flushed, in MB/s.
    static func diskWriteRate(directory: String, bytes: Int) throws -> Double {
        let path = (directory as NSString).appendingPathComponent("tumble-bench-dd-\(getpid())")
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchFailure(message: "cannot create \(path)") }
        let block = 16 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: block, alignment: 4096)
        defer { buffer.deallocate(); close(fd) }
        memset(buffer, 0x5A, block)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var written = 0
        while written < bytes {
            let n = write(fd, buffer, min(block, bytes - written))
            guard n > 0 else { throw BenchFailure(message: "writing \(path) failed: \(String(cString: strerror(errno)))") }
            written += n
        }
        guard fdatasync(fd) == 0 else { throw BenchFailure(message: "fdatasync \(path) failed") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return Double(bytes) / seconds / 1e6
    }
}
