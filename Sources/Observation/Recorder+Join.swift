import Common
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Recorder {
    /// Joins the parts of a `--shard I/K` recording into one dataset with a single `manifest.json`.
    ///
    /// `directories` hold the parts (one shared directory, or one per machine); every part manifest
    /// found there must describe the same plan, all K parts must be present and complete, and every
    /// shard's SHA-256 is checked. Shards living elsewhere are copied into `output` (default: the
    /// first directory) atomically. The result is byte-identical to the manifest of an unsharded run.
    @discardableResult
    public static func join(_ directories: [URL], into output: URL? = nil,
                            message: ((String) -> Void)? = nil) throws -> DatasetManifest {
        guard let first = directories.first else { throw RecordError("--join: give at least one directory") }
        let out = output ?? first
        let parts = try partManifests(in: directories)
        guard let reference = parts.first else {
            throw RecordError("--join: no part manifests (manifest.part-I-of-K.json) in \(directories.map(\.path).joined(separator: ", "))")
        }
        let k = reference.manifest.part?.count ?? 0
        let byIndex = try partsByIndex(parts, reference: reference, count: k)
        var joined = reference.manifest.plan
        let (shards, sources) = try shardSources(byIndex, count: k, shardCount: joined.shardCount)

        do { try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true) } catch {
            throw RecordError("--join: cannot create \(out.path): \(reason(error))")
        }
        let writer = AtomicFile()
        try gatherShards(shards, from: sources, into: out, writer: writer, message: message)
        joined.shards = shards
        joined.complete = true
        try writeJoinedManifest(joined, into: out, writer: writer)
        return joined
    }

    /// One part manifest found by `--join`: the directory it is in, its contents and its file name.
    typealias JoinPart = (dir: URL, manifest: DatasetManifest, file: String)

    /// Reads every part manifest in `directories`, in directory order and by sorted file name, so the
    /// first one (the reference the others are compared with) does not depend on listing order.
    static func partManifests(in directories: [URL]) throws -> [JoinPart] {
        var parts: [JoinPart] = []
        for dir in directories {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() } catch {
                throw RecordError("--join: cannot list \(dir.path): \(reason(error))")
            }
            for name in names where isPartManifestName(name) {
                let m = try DatasetManifest.read(dir.appendingPathComponent(name))
                parts.append((dir, m, name))
            }
        }
        return parts
    }

    /// Checks that `parts` are the `count` complete parts of one recording (a part found twice,
    /// e.g. in a shared directory and a copy, must be identical) and indexes them by part number.
    static func partsByIndex(_ parts: [JoinPart], reference: JoinPart, count k: Int) throws -> [Int: JoinPart] {
        var byIndex: [Int: JoinPart] = [:]
        for p in parts {
            let path = p.dir.appendingPathComponent(p.file).path
            let differences = reference.manifest.planDifferences(from: p.manifest)
            guard differences.isEmpty else {
                throw RecordError("--join: \(path) is not part of the same recording as \(reference.dir.appendingPathComponent(reference.file).path) (differs in: \(differences.joined(separator: ", ")))")
            }
            guard let part = p.manifest.part, part.count == k else {
                throw RecordError("--join: \(path) splits the recording into \(p.manifest.part?.count ?? 1) parts, others into \(k)")
            }
            if let other = byIndex[part.index] {
                guard other.manifest == p.manifest else {
                    throw RecordError("--join: part \(part.index) appears twice with different contents (\(other.dir.path), \(p.dir.path))")
                }
                continue
            }
            guard p.manifest.complete else {
                throw RecordError("--join: part \(part.index)/\(k) in \(p.dir.path) is not complete: finish it with the same command and --resume")
            }
            byIndex[part.index] = p
        }
        let missing = (0..<k).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw RecordError("--join: parts \(missing.map { "\($0)/\(k)" }.joined(separator: ", ")) are missing")
        }
        return byIndex
    }

    /// Collects the shards listed by the parts, sorted by index, with the directory each lives in;
    /// every shard must be listed exactly once, by the part it belongs to, before anything is written.
    static func shardSources(_ byIndex: [Int: JoinPart], count k: Int,
                             shardCount: Int) throws -> ([DatasetManifest.ShardInfo], [Int: URL]) {
        var shards: [DatasetManifest.ShardInfo] = []
        var sources: [Int: URL] = [:]
        for index in 0..<k {
            let p = byIndex[index]!
            for s in p.manifest.shards {
                guard sources[s.index] == nil else {
                    throw RecordError("--join: shard \(s.file) is listed by two parts")
                }
                guard s.index % k == index else {
                    throw RecordError("--join: \(p.file) lists \(s.file), which belongs to part \(s.index % k)")
                }
                sources[s.index] = p.dir
                shards.append(s)
            }
        }
        shards.sort { $0.index < $1.index }
        guard shards.map(\.index) == Array(0..<shardCount) else {
            let have = Set(shards.map(\.index))
            let absent = (0..<shardCount).filter { !have.contains($0) }.map(shardFileName)
            throw RecordError("--join: shards missing from the parts: \(absent.prefix(5).joined(separator: ", "))")
        }
        return (shards, sources)
    }

    /// Verifies every shard's SHA-256 at its source and copies those living elsewhere into `out`
    /// atomically; a target already holding the right bytes is left alone, so a re-run is cheap.
    static func gatherShards(_ shards: [DatasetManifest.ShardInfo], from sources: [Int: URL], into out: URL,
                             writer: AtomicFile, message: ((String) -> Void)?) throws {
        let fm = FileManager.default
        for s in shards {
            let source = sources[s.index]!.appendingPathComponent(s.file).path
            let sha = try FileDigest.sha256(fileAt: source)
            guard sha == s.sha256 else {
                throw RecordError("--join: \(source): checksum mismatch (manifest \(s.sha256.prefix(16))…, file \(sha.prefix(16))…); re-run that part with --resume")
            }
            let target = out.appendingPathComponent(s.file).path
            if source == target { continue }
            if fm.fileExists(atPath: target), (try? FileDigest.sha256(fileAt: target)) == s.sha256 { continue }
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: source), options: .alwaysMapped) } catch {
                throw RecordError("--join: cannot read \(source): \(reason(error))")
            }
            try writer.write(data, to: target)
            message?("copied \(s.file) from \(sources[s.index]!.path)")
        }
    }

    /// Writes the joined `manifest.json`, refusing to replace one that describes something else
    /// (joining again into the same place is allowed and rewrites the same bytes).
    static func writeJoinedManifest(_ joined: DatasetManifest, into out: URL, writer: AtomicFile) throws {
        let manifestPath = out.appendingPathComponent(DatasetManifest.fileName).path
        if FileManager.default.fileExists(atPath: manifestPath) {
            let existing = try? Data(contentsOf: URL(fileURLWithPath: manifestPath))
            guard existing == joined.encoded() else {
                throw RecordError("--join: \(manifestPath) already exists and describes something else; remove it or join elsewhere")
            }
        }
        try writer.write(joined.encoded(), to: manifestPath)
    }
}
