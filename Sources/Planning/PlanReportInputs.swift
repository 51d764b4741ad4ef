import Common
import Foundation

/// Reads a plan report's `inputs` back into the request that made it, naming the field and what was expected
/// when the report is not one `tumble plan` wrote.
enum PlanReportInputs {
    static func request(from report: JSONValue, file: String) throws -> PlanRequest {
        guard let inputs = report["inputs"], case .object = inputs else {
            throw PlanError.report(file, "field `inputs`: expected an object (is this a `tumble plan --json` report?)")
        }
        func string(_ key: String) throws -> String {
            guard let v = inputs[key]?.stringValue else { throw PlanError.report(file, "field `inputs.\(key)`: expected a string") }
            return v
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = inputs[key]?.doubleValue, v == v.rounded(), let i = Int(exactly: v), range.contains(i) else {
                throw PlanError.report(file, "field `inputs.\(key)`: expected an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return i
        }
        guard let seed = UInt64(try string("seed")) else {
            throw PlanError.report(file, "field `inputs.seed`: expected a decimal unsigned 64-bit integer in a string")
        }
        var r = PlanRequest(checkpoint: try string("checkpoint"), scene: try string("scene"),
                            episodes: try integer("episodes", 1...100_000), seed: seed)
        guard let kind = PlannerKind(rawValue: try string("planner")) else {
            throw PlanError.report(file, "field `inputs.planner`: expected one of \(PlannerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        r.planner.kind = kind
        r.planner.samples = try integer("samples", 1...100_000)
        r.planner.horizon = try integer("horizon", 1...1000)
        r.planner.iterations = try integer("iterations", 1...1000)
        r.planner.actionRepeat = try integer("action_repeat", 1...100)
        r.stepBudget = try integer("step_budget", 1...100_000)
        switch inputs["angle_tolerance"] {
        case .null?, nil: r.angleTolerance = nil
        case let .number(v)? where v > 0 && v <= Double.pi: r.angleTolerance = Float(v)
        default: throw PlanError.report(file, "field `inputs.angle_tolerance`: expected null or a number in (0, π]")
        }
        guard let names = inputs["controllers"]?.arrayValue?.compactMap(\.stringValue),
              let kinds = Optional(names.compactMap(ControllerKind.init(rawValue:))), kinds.count == names.count, !kinds.isEmpty else {
            throw PlanError.report(file, "field `inputs.controllers`: expected a list of \(ControllerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        r.controllers = kinds
        if let w = inputs["working_directory"] {
            guard let s = w.stringValue else { throw PlanError.report(file, "field `inputs.working_directory`: expected a string") }
            r.workingDirectory = s
        }
        r.command = report["command"]?.stringValue ?? ""
        return r
    }
}
