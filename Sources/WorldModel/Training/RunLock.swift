import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a run directory while one process writes it: two `tumble train --out R`
/// at once would interleave train.log and overwrite each other's checkpoints.
///
/// `flock` on the directory itself, so the lock adds no file (a fresh run still needs an empty
/// directory) and goes with the process: a SIGKILL leaves nothing stale to delete by hand.
final class RunLock {
    private let fd: Int32

    /// Creates the directory if needed and locks it, or throws naming the directory.
    init(_ directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RunError.runDirectory(path: directory.path, message: "cannot create: \(error.localizedDescription)")
        }
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RunError.runDirectory(path: directory.path, message: "cannot be opened to lock it: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw RunError.runDirectory(path: directory.path, message: "is in use by another tumble process writing this run; wait for it to finish or stop it (Ctrl-C saves a checkpoint), then --resume")
            }
            throw RunError.runDirectory(path: directory.path, message: "cannot be locked: \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
