import Foundation

/// A run's metrics.csv as ordered numeric columns (empty or unparsable cells read as NaN), so the
/// report page plots columns in the order training logged them.
public struct MetricsTable: Equatable, Sendable {
    public var columns: [(name: String, values: [Double])]

    public static func == (a: MetricsTable, b: MetricsTable) -> Bool {
        a.columns.count == b.columns.count && zip(a.columns, b.columns).allSatisfy {
            $0.name == $1.name && $0.values.count == $1.values.count
                && zip($0.values, $1.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        }
    }

    public init(columns: [(name: String, values: [Double])]) { self.columns = columns }

    /// Parses CSV text with a header line. Rows with a different number of cells are rejected with
    /// the line number, so a half-written last line is reported, not silently misaligned.
    public init(csv text: String, source: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard !lines.isEmpty else { columns = []; return }
        let names = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var values = [[Double]](repeating: [], count: names.count)
        for (i, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == names.count else {
                throw ReportError(file: source, message: "line \(i + 2) has \(cells.count) cells, the header has \(names.count)")
            }
            for (c, cell) in cells.enumerated() {
                values[c].append(Double(cell.trimmingCharacters(in: .whitespaces)) ?? .nan)
            }
        }
        columns = zip(names, values).map { ($0, $1) }
    }

    public static func read(_ url: URL) throws -> MetricsTable {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError(file: url.path, message: "cannot be read")
        }
        return try MetricsTable(csv: String(decoding: data, as: UTF8.self), source: url.path)
    }

    public func column(_ name: String) -> [Double]? { columns.first { $0.name == name }?.values }
    public var rowCount: Int { columns.first?.values.count ?? 0 }
}

/// A report page that cannot be built: the file and what is wrong.
public struct ReportError: Error, CustomStringConvertible, LocalizedError {
    public var file: String
    public var message: String
    public init(file: String, message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
    public var errorDescription: String? { description }
}
