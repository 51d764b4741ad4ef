import Common
import Foundation

/// `RUN/run.json`: what a run trains on, written (atomically) when a fresh run starts, so that
/// `tumble train --resume --out RUN` and `tumble train --report --out RUN` need no `--scene`/`--data`.
///
///     {"argument": "bounce", "format": "tumble-run", "kind": "scene", "path": null, "version": 1}
///
/// `path` is the absolute location of the scene file or dataset directory (null for a shipped scene
/// name), so the record holds from any working directory.
public struct RunRecord: Codable, Equatable, Sendable {
    public static let formatName = "tumble-run"
    public static let currentVersion = 1

    public enum Kind: String, Codable, Sendable { case scene, dataset }

    public var format: String
    public var version: Int
    public var kind: Kind
    /// The `--scene` or `--data` argument as given.
    public var argument: String
    /// Absolute path of the scene file or dataset directory; nil for a shipped scene name.
    public var path: String?

    /// The record of `data`, resolved against the current directory (an existing file wins over a
    /// shipped scene name, as in `Scene.load`).
    public init(_ data: TrainingData) {
        format = Self.formatName
        version = Self.currentVersion
        switch data {
        case .scene(let nameOrPath):
            kind = .scene
            argument = nameOrPath
            var isDirectory: ObjCBool = false
            let isFile = FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) && !isDirectory.boolValue
            path = isFile ? URL(fileURLWithPath: nameOrPath).standardizedFileURL.path : nil
        case .dataset(let url):
            kind = .dataset
            argument = url.relativePath
            path = url.standardizedFileURL.path
        }
    }

    /// The data source to train on again: the absolute path when there is one.
    public var data: TrainingData {
        switch kind {
        case .scene: return .scene(path ?? argument)
        case .dataset: return .dataset(URL(fileURLWithPath: path ?? argument, isDirectory: true))
        }
    }

    /// How the source reads on a command line (for messages).
    public var commandLine: String { "--\(kind == .scene ? "scene" : "data") \(path ?? argument)" }

    /// Whether `other` names the same data (same kind and the same file, directory or shipped name).
    public func sameData(as other: RunRecord) -> Bool {
        kind == other.kind && (path ?? argument) == (other.path ?? other.argument)
    }

    /// Reads `url`; nil when the file does not exist (a run made before run.json was written).
    /// Anything else wrong is an error naming the file and the field.
    public static func read(_ url: URL) throws -> RunRecord? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw RunError.io(path: url.path, message: "cannot be read")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
            throw RunError.io(path: url.path, message: "is not a JSON object (damaged? it is rewritten by a fresh run only)")
        }
        func field<T>(_ key: String, _ expected: String) throws -> T {
            guard let value = object[key] as? T else {
                throw RunError.io(path: url.path, message: "\(key): expected \(expected), got \(object[key].map { "\($0)" } ?? "nothing")")
            }
            return value
        }
        let format: String = try field("format", "\"\(formatName)\"")
        guard format == formatName else {
            throw RunError.io(path: url.path, message: "format: expected \"\(formatName)\", got \"\(format)\"")
        }
        let version: Int = try field("version", "a whole number")
        guard version == currentVersion else {
            throw RunError.io(path: url.path, message: "version: expected \(currentVersion), got \(version) (written by another version of tumble)")
        }
        let kindText: String = try field("kind", "\"scene\" or \"dataset\"")
        guard let kind = Kind(rawValue: kindText) else {
            throw RunError.io(path: url.path, message: "kind: expected \"scene\" or \"dataset\", got \"\(kindText)\"")
        }
        let argument: String = try field("argument", "the --scene or --data argument (a string)")
        var path: String? = nil
        if let value = object["path"], !(value is NSNull) {
            guard let text = value as? String, text.hasPrefix("/") else {
                throw RunError.io(path: url.path, message: "path: expected an absolute path or null, got \(value)")
            }
            path = text
        }
        if kind == .dataset && path == nil {
            throw RunError.io(path: url.path, message: "path: expected the dataset directory's absolute path, got null")
        }
        return RunRecord(kind: kind, argument: argument, path: path)
    }

    init(kind: Kind, argument: String, path: String?) {
        format = Self.formatName
        version = Self.currentVersion
        self.kind = kind
        self.argument = argument
        self.path = path
    }

    /// Writes the record atomically (sorted keys: the same record gives the same bytes).
    public func write(to url: URL) throws {
        let object: [String: Any] = ["format": format, "version": version, "kind": kind.rawValue, "argument": argument,
                                     "path": path ?? NSNull()]
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        try AtomicFile.write(data, to: url)
    }
}
