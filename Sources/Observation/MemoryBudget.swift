import Foundation

/// Peak memory checked before it is taken: a count from a file or a flag (a manifest's episodes,
/// `--steps 1000000000`, `data.batch_clips=4096`) must fail fast with the figure and the flag to
/// change, not crash in an allocation or grow until the machine swaps.
public struct MemoryBudget: Sendable {
    /// Bytes the kernel says can be taken without swapping; nil where unknown (then nothing is refused).
    public var available: Int?

    public init(available: Int?) { self.available = available }

    /// This machine's: `MemAvailable` from /proc/meminfo.
    public static var machine: MemoryBudget { MemoryBudget(available: readMemAvailable()) }

    static func readMemAvailable() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
            return kib.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kib * 1024
        }
        return nil
    }

    /// Throws when `bytes` (nil: too large to count) exceed what is available.
    /// `what` says what needs the memory, `change` which flag or key lowers it.
    public func check(_ bytes: Int?, for what: String, change: String) throws {
        guard let available else { return }
        guard let bytes, bytes <= available else {
            throw MemoryBudgetError(message: "\(what) needs about \(bytes.map(Self.format) ?? "more than 8 EiB") of memory; "
                                    + "this machine has \(Self.format(available)) available (MemAvailable in /proc/meminfo): \(change)")
        }
    }

    /// Product of counts, nil on overflow (a count too large to hold is over any budget).
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    public static func product(_ factors: [Int]) -> Int? {
        var total = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Sum, nil if any part is nil or the sum overflows.
    public static func sum(_ parts: Int?...) -> Int? {
        var total = 0
        for part in parts {
            guard let part else { return nil }
            let (s, overflow) = total.addingReportingOverflow(part)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// "1.5 GiB", "12.0 MiB", "900 bytes".
    public static func format(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = -1
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit < 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

/// More memory asked for than the machine has available.
public struct MemoryBudgetError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}
