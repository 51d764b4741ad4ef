import Foundation
import Yams

extension Scene {
    /// Parses and fully validates YAML text. Throws one `SceneError` naming `file`, the field path and the line.
    public init(yaml: String, file: String = "<scene>") throws {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw SceneError(file: file, path: "", message: "the file is empty; expected a scene mapping", line: nil)
            }
            root = node
        } catch {
            throw SceneError.from(error, file: file, root: nil)
        }
        do {
            self = try YAMLDecoder().decode(Scene.self, from: root)
        } catch {
            throw SceneError.from(error, file: file, root: root)
        }
        source = yaml
    }

    /// Reads and validates a scene file.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw SceneError(file: url.path, path: "", message: "cannot read the file as UTF-8 text (\(readFailure(url.path) ?? error.localizedDescription))", line: nil)
        }
        try self.init(yaml: text, file: url.path)
    }

    /// A shipped scene name (`bounce`) or a path to a YAML file. An existing file wins over a shipped name.
    public static func load(_ nameOrPath: String) throws -> Scene {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try Scene(contentsOf: URL(fileURLWithPath: nameOrPath))
        }
        if isDirectory.boolValue {
            throw SceneError(file: nameOrPath, path: "", message: "is a directory; expected a scene YAML file or a shipped scene name (\(shippedNames.joined(separator: ", ")))", line: nil)
        }
        let name = nameOrPath.hasSuffix(".yaml") ? String(nameOrPath.dropLast(5)) : nameOrPath
        if !name.contains("/"), let text = shippedSource(name) {
            return try Scene(yaml: text, file: "\(name).yaml (shipped)")
        }
        throw SceneError(file: nameOrPath, path: "",
                         message: "no such file, and not a shipped scene (\(shippedNames.joined(separator: ", ")))", line: nil)
    }

    /// Names of the scenes built into the binary, in a stable order.
    public static var shippedNames: [String] { ShippedScenes.all.map(\.name) }

    /// The YAML text of a shipped scene (identical to Scenes/<name>.yaml).
    public static func shippedSource(_ name: String) -> String? { ShippedScenes.all.first { $0.name == name }?.yaml }
}

/// Why `path` cannot be read, in plain words: Foundation calls /dev/null a permission problem and a
/// directory a missing file. Nil when it is a readable regular file.
func readFailure(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return String(cString: strerror(errno)) }
    if (st.st_mode & S_IFMT) == S_IFDIR { return "it is a directory" }
    if (st.st_mode & S_IFMT) != S_IFREG { return "not a regular file" }
    if access(path, R_OK) != 0 { return String(cString: strerror(errno)) }
    return nil
}
