import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that it only ever appears complete: the bytes go to `NAME.tmp` in the same
/// directory, are flushed with fsync, then renamed over `NAME`, and the directory is synced so the
/// rename itself survives a crash. On any failure the temporary file is removed.
public struct AtomicFile {
    /// The `write(2)` call as (fd, bytes, count) → (bytes written or -1, errno). Tests replace it to
    /// make a disk fill up part-way through a file.
    public var writeCall: (Int32, UnsafeRawPointer, Int) -> (Int, Int32) = { fd, p, n in
        let r = Glibc.write(fd, p, n)
        return (r, r < 0 ? errno : 0)
    }

    public static func temporaryPath(for path: String) -> String { path + ".tmp" }

    /// Large page-aligned buffers are written with O_DIRECT (the disk reads them straight from our
    /// memory instead of the kernel copying them into its page cache first: on this kind of machine
    /// that copy costs as much CPU as rendering). The unaligned tail, and any file system that
    /// refuses O_DIRECT, use ordinary writes. Either way the file is fsync'd before the rename.
    public var directIO = true
    public static let directAlignment = 4096
    /// Linux's O_DIRECT (Glibc hides it from Swift behind _GNU_SOURCE); 0 elsewhere disables direct I/O.
    #if os(Linux) && arch(x86_64)
    static let O_DIRECT: Int32 = 0o40000
    #elseif os(Linux) && arch(arm64)
    static let O_DIRECT: Int32 = 0o200000
    #else
    static let O_DIRECT: Int32 = 0
    #endif

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let tmp = Self.temporaryPath(for: path)
        let aligned = Int(bitPattern: bytes.baseAddress) % Self.directAlignment == 0
        let useDirect = Self.O_DIRECT != 0 && directIO && aligned && bytes.count >= 1 << 20
        var fd = useDirect ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | Self.O_DIRECT, 0o644) : -1
        var direct = fd >= 0
        if fd < 0 { fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw FileError("cannot create \(tmp): \(Self.describe(errno))") }
        func abandon(_ what: String, _ code: Int32) -> FileError {
            close(fd)
            unlink(tmp)
            return FileError("cannot write \(path): \(what): \(Self.describe(code)) (temporary file removed)")
        }
        func buffered() {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~Self.O_DIRECT)
            direct = false
        }
        let directEnd = bytes.count / Self.directAlignment * Self.directAlignment
        var offset = 0
        while offset < bytes.count {
            if direct && offset >= directEnd { buffered() }
            var chunk = min(bytes.count - offset, 1 << 30)
            if direct { chunk = min(chunk, directEnd - offset) }
            let (n, code) = writeCall(fd, bytes.baseAddress! + offset, chunk)
            if n < 0 {
                if code == EINTR { continue }
                if direct && code == EINVAL { buffered(); continue }  // this file system refuses O_DIRECT
                throw abandon("write failed after \(offset) of \(bytes.count) bytes", code)
            }
            if n == 0 { throw abandon("write made no progress after \(offset) of \(bytes.count) bytes", ENOSPC) }
            offset += n
            if direct && offset % Self.directAlignment != 0 { buffered() }  // a short direct write: finish buffered
        }
        if fsync(fd) != 0 { throw abandon("fsync failed", errno) }
        if close(fd) != 0 {
            let code = errno
            unlink(tmp)
            throw FileError("cannot write \(path): close failed: \(Self.describe(code)) (temporary file removed)")
        }
        if rename(tmp, path) != 0 {
            let code = errno
            unlink(tmp)
            throw FileError("cannot rename \(tmp) to \(path): \(Self.describe(code)) (temporary file removed)")
        }
        Self.syncDirectory(of: path)
    }

    public func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write($0, to: path) }
    }

    /// The plain entry point: default writer, whole `data` to `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try AtomicFile().write(data, to: url.path)
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// fsync the directory holding `path`, so a completed rename is durable. Best effort: some file
    /// systems refuse to sync directories, and the data itself is already on disk.
    public static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    public static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
