import Common
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Recorder {
    /// With --resume, the manifest already in --out (nil if none) must describe this plan; checked
    /// before its shard files are judged, so another --episodes-per-shard is named as such rather
    /// than its shards being called files "not part of this recording".
    @discardableResult
    func checkResumedPlan() throws -> DatasetManifest? {
        let manifestPath = (options.output.path as NSString).appendingPathComponent(manifestFileName)
        guard FileManager.default.fileExists(atPath: manifestPath) else { return nil }
        let old = try DatasetManifest.read(URL(fileURLWithPath: manifestPath))
        var differences = plan.planDifferences(from: old)
        if let i = differences.firstIndex(of: "episodes_per_shard") {
            differences[i] = "episodes_per_shard (recorded \(old.episodesPerShard), now \(plan.episodesPerShard): pass --episodes-per-shard \(old.episodesPerShard))"
        }
        guard differences.isEmpty else {
            throw RecordError("--resume: \(manifestPath) describes a different recording (differs in: \(differences.joined(separator: ", "))); repeat the original flags or choose another directory")
        }
        guard old.part == plan.part else {
            throw RecordError("--resume: \(manifestPath) belongs to another --shard part")
        }
        return old
    }

    /// Makes sure the output directory can take this recording and returns the shards an earlier
    /// run left intact (only with `--resume`).
    ///
    /// Without `--resume` the directory must be new or empty (for a `--shard` part: hold nothing but
    /// other parts' files). With `--resume` our manifest must describe the same plan; every shard it
    /// lists is re-hashed, and a missing or mismatching one is reported and recorded again, as is a
    /// shard file the manifest does not list (a kill between rename and manifest update).
    /// Leftover temporary files of ours are removed.
    func prepareDirectory() throws -> [DatasetManifest.ShardInfo] {
        let dir = options.output.path
        let entries = try openOutputDirectory()
        let (ours, temporary, foreign) = classify(entries)
        if options.resume { try checkResumedPlan() }
        if !foreign.isEmpty {
            let hint = options.resume ? "it holds files that are not part of this recording" : "choose an empty directory, or add --resume to continue a recording"
            throw RecordError("output directory \(dir) is not empty (\(Self.listing(foreign))): \(hint)")
        }
        if !options.resume && !(ours.isEmpty && temporary.isEmpty) {
            throw RecordError("output directory \(dir) already holds a recording (\(Self.listing(ours + temporary))): add --resume to continue it, or choose an empty directory")
        }
        for name in temporary {
            unlink((dir as NSString).appendingPathComponent(name))
            onMessage?("removed leftover temporary file \(name)")
        }
        guard options.resume else { return [] }
        return try intactShards(ours: ours)
    }

    /// Creates `--out` if needed (remembering that we did, so a failed first run can remove it),
    /// checks it is a writable directory and returns its entries, sorted so messages are stable.
    func openOutputDirectory() throws -> [String] {
        let fm = FileManager.default
        let dir = options.output.path
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw RecordError("--out \(dir) exists and is not a directory") }
        } else {
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                createdDirectory = true
            } catch {
                throw RecordError("cannot create output directory \(dir): \(Self.reason(error))")
            }
        }
        guard access(dir, W_OK | X_OK) == 0 else {
            throw RecordError("output directory \(dir) is not writable: \(AtomicFile.describe(errno))")
        }
        do { return try fm.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw RecordError("cannot list output directory \(dir): \(Self.reason(error))")
        }
    }

    /// Sorts directory entries into ours (our manifest and shards), our leftover `.tmp` files, and
    /// foreign ones; in a `--shard` run other parts' shards and manifests are neither (they may share it).
    func classify(_ entries: [String]) -> (ours: [String], temporary: [String], foreign: [String]) {
        let own = Set(ownShards.map(Self.shardFileName))
        let partRun = (options.part?.count ?? 1) > 1
        var ours: [String] = [], temporary: [String] = [], foreign: [String] = []
        for name in entries {
            let base = name.hasSuffix(".tmp") ? String(name.dropLast(4)) : name
            let isOurs = base == manifestFileName || own.contains(base)
            let isOtherPart = partRun && (Self.isShardFileName(base) || Self.isPartManifestName(base))
            if isOurs {
                if name.hasSuffix(".tmp") { temporary.append(name) } else { ours.append(name) }
            } else if !isOtherPart {
                foreign.append(name)
            }
        }
        return (ours, temporary, foreign)
    }

    /// Up to five names for an error message, with the total when there are more.
    static func listing(_ names: [String]) -> String {
        names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) entries)" : "")
    }

    /// With `--resume`: the shards our manifest lists that are still intact, sorted by index. The
    /// rest, and shard files `ours` holds that the manifest does not list, are deleted to be recorded again.
    func intactShards(ours: [String]) throws -> [DatasetManifest.ShardInfo] {
        var listed: [DatasetManifest.ShardInfo] = []
        if let old = try checkResumedPlan() {
            listed = old.shards
        } else if !ours.isEmpty {
            onMessage?("no \(manifestFileName) found: existing shard files cannot be checked and will be recorded again")
        }
        var kept: [DatasetManifest.ShardInfo] = []
        var seen = Set<String>()
        for info in listed {
            seen.insert(info.file)
            if try isIntact(info) { kept.append(info) }
        }
        let dir = options.output.path
        for name in ours where name != manifestFileName && !seen.contains(name) {
            onMessage?("\(name) is not in \(manifestFileName) (interrupted before it was listed): recording it again")
            unlink((dir as NSString).appendingPathComponent(name))
        }
        if !kept.isEmpty { onMessage?("resuming: \(kept.count) of \(ownShards.count) shards verified and kept") }
        return kept.sorted { $0.index < $1.index }
    }

    /// Whether the shard a resumed manifest lists fits this recording and still has its recorded
    /// size and SHA-256; a file that fails the hash is deleted so it cannot be mistaken for good later.
    func isIntact(_ info: DatasetManifest.ShardInfo) throws -> Bool {
        let fm = FileManager.default
        let expected = Self.shardFileName(info.index)
        let path = (options.output.path as NSString).appendingPathComponent(info.file)
        guard info.file == expected, ownShards.contains(info.index),
              episodes(ofShard: info.index) == info.firstEpisode..<(info.firstEpisode + info.episodeCount) else {
            onMessage?("\(info.file): manifest entry does not fit this recording: recording it again")
            return false
        }
        guard fm.fileExists(atPath: path) else {
            onMessage?("\(info.file) is missing: recording it again")
            return false
        }
        let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        let sha = size == info.bytes ? try FileDigest.sha256(fileAt: path) : "size \(size)"
        if sha == info.sha256 { return true }
        onMessage?("\(info.file): checksum mismatch (manifest \(info.sha256.prefix(16))…, file \(sha.prefix(16))…): recording it again")
        unlink(path)
        return false
    }

    static func isShardFileName(_ name: String) -> Bool {
        name.count == 15 && name.hasPrefix("shard-") && name.hasSuffix(".npz") && Int(name.dropFirst(6).prefix(5)) != nil
    }

    static func isPartManifestName(_ name: String) -> Bool {
        name.hasPrefix("manifest.part-") && name.hasSuffix(".json")
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return AtomicFile.describe(Int32(underlying.code))
        }
        return ns.localizedDescription
    }
}
