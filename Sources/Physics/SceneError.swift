import Yams

/// The one error a bad scene file gets: where (file, line, field path) and what was expected.
///
/// Printed as `Scenes/bad.yaml:12: bodies[2].radius: expected a number > 0, got -1`.
public struct SceneError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file name (or `<name>` for text without a file).
    public var file: String
    /// Field path such as `bodies[2].radius`; empty for problems with the file as a whole.
    public var path: String
    /// What was wrong and what was expected.
    public var message: String
    /// 1-based line of the offending YAML node, when the parser knows it.
    public var line: Int?

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if !path.isEmpty { s += "\(path): " }
        return s + message
    }
}

/// One step of a field path: a mapping key or a list index.
enum PathStep: Equatable, Sendable {
    case key(String)
    case index(Int)

    init(_ key: CodingKey) {
        if let i = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(i)" {
            self = .index(i)
        } else {
            self = .key(key.stringValue)
        }
    }

    static func format(_ path: [PathStep]) -> String {
        var s = ""
        for step in path {
            switch step {
            case .key(let k): s += s.isEmpty ? k : ".\(k)"
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }
}

/// A problem found while checking a decoded scene; the loader turns it into a `SceneError` with file and line.
struct SceneIssue: Error {
    var path: [PathStep]
    var message: String
    /// `true` when the path names a key that is missing, so the line should be that of the enclosing mapping.
    var missingKey = false
}

extension SceneError {
    /// Converts whatever the YAML parser, decoder or checker threw into one located error.
    static func from(_ error: Error, file: String, root: Node?) -> SceneError {
        func located(_ path: [PathStep], _ message: String, missing: Bool = false) -> SceneError {
            let node = root.flatMap { NodeLocator.find(path, in: $0, missingKey: missing) }
            return SceneError(file: file, path: PathStep.format(path), message: message, line: node)
        }
        switch error {
        case let e as SceneError:
            return e
        case let issue as SceneIssue:
            return located(issue.path, issue.message, missing: issue.missingKey)
        case let DecodingError.typeMismatch(type, context):
            let path = context.codingPath.map(PathStep.init)
            let expected = context.debugDescription.hasPrefix("expected") ? context.debugDescription : "expected \(friendlyName(type))"
            let message = expected + found(path, root)
            return located(path, message)
        case let DecodingError.valueNotFound(type, context):
            return located(context.codingPath.map(PathStep.init), "expected \(friendlyName(type)), found nothing")
        case let DecodingError.keyNotFound(key, context):
            return located(context.codingPath.map(PathStep.init) + [PathStep(key)],
                           "missing required field `\(key.stringValue)`", missing: true)
        case let DecodingError.dataCorrupted(context):
            return located(context.codingPath.map(PathStep.init), context.debugDescription)
        case let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _),
             let YamlError.composer(_, problem, mark, _):
            return SceneError(file: file, path: "", message: "not valid YAML: \(problem)", line: mark.line)
        case let YamlError.duplicatedKeysInMapping(duplicates, context):
            // Yams's context is the whole input (48 MB for a hostile file): name the keys and the line only.
            return SceneError(file: file, path: "", message: "duplicated field(s) \(duplicates.prefix(5).map { String($0.prefix(80)) }.joined(separator: ", "))",
                              line: context.mark.line)
        case let YamlError.reader(problem, _, _, _):
            return SceneError(file: file, path: "", message: "cannot read YAML: \(problem)", line: nil)
        default:
            return SceneError(file: file, path: "", message: "\(error)", line: nil)
        }
    }

    private static func found(_ path: [PathStep], _ root: Node?) -> String {
        guard let root, let node = NodeLocator.node(path, in: root) else { return "" }
        switch node {
        case .scalar(let s): return s.string.isEmpty ? ", found nothing" : ", got `\(s.string)`"
        case .mapping: return ", got a mapping"
        case .sequence: return ", got a list"
        case .alias: return ""
        }
    }

    private static func friendlyName(_ type: Any.Type) -> String {
        switch type {
        case is Float.Type, is Double.Type: return "a number"
        case is Int.Type, is UInt64.Type, is Int64.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "text"
        case is Node.Mapping.Type: return "a mapping (key: value lines)"
        case is Node.Sequence.Type: return "a list"
        case is Node.Scalar.Type: return "a single value"
        default: return "\(type)"
        }
    }
}

/// Finds the YAML node a field path points at, for line numbers.
enum NodeLocator {
    static func node(_ path: [PathStep], in root: Node) -> Node? {
        var node = root
        for step in path {
            guard let next = child(node, step)?.value else { return nil }
            node = next
        }
        return node
    }

    /// The line of the node at `path`; for a final key, the key's own line (also when the key is unknown);
    /// for a missing key, the line of the deepest node that exists.
    static func find(_ path: [PathStep], in root: Node, missingKey: Bool) -> Int? {
        var node = root
        var line = root.mark?.line
        for (i, step) in path.enumerated() {
            guard let (key, value) = child(node, step) else { return line }
            if i == path.count - 1, let key { return key.mark?.line ?? value.mark?.line }
            node = value
            line = value.mark?.line ?? line
        }
        return missingKey ? line : node.mark?.line ?? line
    }

    private static func child(_ node: Node, _ step: PathStep) -> (key: Node?, value: Node)? {
        switch (node, step) {
        case let (.mapping(m), .key(k)):
            for (key, value) in m where key.string == k { return (key, value) }
            return nil
        case let (.sequence(s), .index(i)):
            return i >= 0 && i < s.count ? (nil, s[i]) : nil
        default:
            return nil
        }
    }
}
