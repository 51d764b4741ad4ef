/// A file that could not be written or read; the message names the path and the reason.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
