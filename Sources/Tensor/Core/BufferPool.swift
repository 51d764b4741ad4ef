import Foundation

/// Recycles Float32 buffers by exact element count so that a training step, which allocates the same
/// shapes every time, reuses last step's memory instead of going to malloc (and the page-fault cost of
/// fresh pages). Buffers are 64-byte aligned for AVX-512 loads in OpenBLAS.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private let lock = NSLock()
    private var cachedBytes = 0
    /// Cached (idle) bytes above this are returned to the system.
    var limitBytes = 3 << 30

    func acquire(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        if let p = free[n]?.popLast() {
            cachedBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, n * 4) == 0, let raw else {
            fatalError("Tensor: out of memory allocating \(n) floats")
        }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func release(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        lock.lock()
        if cachedBytes + n * 4 <= limitBytes {
            free[n, default: []].append(p)
            cachedBytes += n * 4
            lock.unlock()
        } else {
            lock.unlock()
            Foundation.free(p)
        }
    }

    var idleBytes: Int { lock.lock(); defer { lock.unlock() }; return cachedBytes }
}

/// Owns one pooled buffer; views (reshape, row ranges) share it, and it returns to the pool when the
/// last tensor using it goes away.
final class Storage {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.acquire(count)
    }

    deinit { BufferPool.shared.release(pointer, count: count) }
}
