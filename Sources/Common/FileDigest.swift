import Crypto
import Foundation

/// Lower-case hex SHA-256, the one digest Tumble writes (dataset shards and scene text in manifests,
/// checkpoints in eval reports). Large inputs are hashed in pieces so they are never held twice.
public enum FileDigest {
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, 64 << 20)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            offset += n
        }
        return hex(hasher)
    }

    public static func sha256(_ data: Data) -> String { data.withUnsafeBytes { sha256($0) } }

    /// SHA-256 of the file at `path`, read in 16 MiB blocks.
    public static func sha256(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError("\(path): cannot be opened (missing or unreadable)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let block = try handle.read(upToCount: 16 << 20) ?? Data()
            if block.isEmpty { break }
            block.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return hex(hasher)
    }

    public static func sha256(of url: URL) throws -> String { try sha256(fileAt: url.path) }

    private static func hex(_ hasher: SHA256) -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
