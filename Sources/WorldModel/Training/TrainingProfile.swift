import Common
import Foundation
import Tensor

/// `tumble train --profile`: a step's wall time by phase and by op, from `Profiler`'s exclusive spans, so
/// the rows add up to the step and the table says how much of it they account for. Printed on stderr and
/// written to `RUN/profile.json`.
struct TrainingProfile {
    var steps: Int
    /// Wall seconds of the profiled loop (every step, its logging and periodic checkpoints).
    var wall: Double
    var spans: [Profiler.Span]
    var details: [Profiler.Detail]

    static let phases = ["data", "forward", "heads", "backward", "allreduce", "optimiser", "logging", "checkpoint"]

    init(steps: Int, wall: Double) {
        self.steps = max(steps, 1); self.wall = wall
        spans = Profiler.spansReport().filter { $0.phase != "-" }
        details = Profiler.report()
    }

    func seconds(phase: String) -> Double { spans.filter { $0.phase == phase }.reduce(0) { $0 + $1.seconds } }
    /// Share of the wall time in the phases.
    var phaseShare: Double { spans.reduce(0) { $0 + $1.seconds } / max(wall, 1e-12) }
    /// Share of the wall time in named ops (everything but the glue between them).
    var opShare: Double { spans.filter { $0.op != "(between ops)" }.reduce(0) { $0 + $1.seconds } / max(wall, 1e-12) }

    private func ms(_ s: Double) -> Double { s / Double(steps) * 1000 }

    var text: String {
        var t = String(format: "profile over %d steps: %.1f ms a step; phases account for %.1f %%, named ops for %.1f %%\n",
                       steps, ms(wall), 100 * phaseShare, 100 * opShare)
        t += "   ms/step      %  phase\n"
        for p in Self.phases where spans.contains(where: { $0.phase == p }) {
            t += String(format: "  %8.2f  %5.1f  %@\n", ms(seconds(phase: p)), 100 * seconds(phase: p) / wall, p)
        }
        t += "   ms/step      %  calls/step  phase / op\n"
        var shown = 0.0
        for s in spans where s.seconds / wall >= 0.002 {
            shown += s.seconds
            t += String(format: "  %8.2f  %5.1f  %10.1f  %@ / %@\n", ms(s.seconds), 100 * s.seconds / wall,
                        Double(s.calls) / Double(steps), s.phase, s.op)
        }
        let rest = spans.reduce(0) { $0 + $1.seconds } - shown
        t += String(format: "  %8.2f  %5.1f              %d smaller spans\n", ms(rest), 100 * rest / wall,
                    spans.filter { $0.seconds / wall < 0.002 }.count)
        if !details.isEmpty {
            t += "inside those ops (nested, not additive):\n   ms/step  CPU ms/step  calls/step  label\n"
            for d in details {
                t += String(format: "  %8.2f  %11.2f  %10.1f  %@\n", ms(d.seconds), ms(d.cpuSeconds), Double(d.calls) / Double(steps), d.label)
            }
        }
        return t
    }

    var json: JSONValue {
        .object([
            ("steps", .number(Double(steps))),
            ("ms_per_step", .number(ms(wall))),
            ("phase_share", .number(phaseShare)),
            ("op_share", .number(opShare)),
            ("phases", .object(Self.phases.filter { p in spans.contains { $0.phase == p } }.map { ($0, .number(ms(seconds(phase: $0)))) })),
            ("spans", .array(spans.map { .object([("phase", .string($0.phase)), ("op", .string($0.op)),
                                                   ("ms_per_step", .number(ms($0.seconds))),
                                                   ("calls_per_step", .number(Double($0.calls) / Double(steps)))]) })),
        ])
    }
}
