import Common
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Recorder {
    /// Makes sure the output directory can take this recording and returns the shards an earlier
    /// run left intact (only with `--resume`).
    ///
    /// Without `--resume` the directory must be new or empty (for a `--shard` part: hold nothing but
    /// other parts' files). With `--resume` our manifest must describe the same plan; every shard it
    /// lists is re-hashed, and a missing or mismatching one is reported and recorded again, as is a
    /// shard file the manifest does not list (a kill between rename and manifest update).
    /// Leftover temporary files of ours are removed.
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

    func prepareDirectory() throws -> [DatasetManifest.ShardInfo] {
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
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw RecordError("cannot list output directory \(dir): \(Self.reason(error))")
        }

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
        func listing(_ names: [String]) -> String {
            names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) entries)" : "")
        }
        if options.resume { try checkResumedPlan() }
        if !foreign.isEmpty {
            let hint = options.resume ? "it holds files that are not part of this recording" : "choose an empty directory, or add --resume to continue a recording"
            throw RecordError("output directory \(dir) is not empty (\(listing(foreign))): \(hint)")
        }
        if !options.resume && !(ours.isEmpty && temporary.isEmpty) {
            throw RecordError("output directory \(dir) already holds a recording (\(listing(ours + temporary))): add --resume to continue it, or choose an empty directory")
        }
        for name in temporary {
            unlink((dir as NSString).appendingPathComponent(name))
            onMessage?("removed leftover temporary file \(name)")
        }
        guard options.resume else { return [] }

        let manifestPath = (dir as NSString).appendingPathComponent(manifestFileName)
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
            let expected = Self.shardFileName(info.index)
            let path = (dir as NSString).appendingPathComponent(info.file)
            guard info.file == expected, ownShards.contains(info.index),
                  episodes(ofShard: info.index) == info.firstEpisode..<(info.firstEpisode + info.episodeCount) else {
                onMessage?("\(info.file): manifest entry does not fit this recording: recording it again")
                continue
            }
            guard fm.fileExists(atPath: path) else {
                onMessage?("\(info.file) is missing: recording it again")
                continue
            }
            let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            let sha = size == info.bytes ? try FileDigest.sha256(fileAt: path) : "size \(size)"
            if sha == info.sha256 {
                kept.append(info)
            } else {
                onMessage?("\(info.file): checksum mismatch (manifest \(info.sha256.prefix(16))…, file \(sha.prefix(16))…): recording it again")
                unlink(path)
            }
        }
        for name in ours where name != manifestFileName && !seen.contains(name) {
            onMessage?("\(name) is not in \(manifestFileName) (interrupted before it was listed): recording it again")
            unlink((dir as NSString).appendingPathComponent(name))
        }
        if !kept.isEmpty { onMessage?("resuming: \(kept.count) of \(ownShards.count) shards verified and kept") }
        return kept.sorted { $0.index < $1.index }
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
