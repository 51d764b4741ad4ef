/// A dataset file that cannot be read as Tumble wrote it.
///
/// Names the file, the field inside it (an array, a manifest key, a zip record) and what was
/// expected, so a user can tell a truncated download from a version mismatch without a debugger.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var field: String
    public var problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): \(field): \(problem)"
    }
}

/// A recording that cannot start or continue: bad flags, an unusable output directory, a failed write.
public struct RecordError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
