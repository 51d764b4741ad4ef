import Common
import Foundation
@testable import Observation
@testable import Physics
@testable import Planning
@testable import Tensor
@testable import WorldModel

/// One libFuzzer entry point for every reader of a file a user can hand Tumble; `TUMBLE_FUZZ_TARGET`
/// picks which. A reader may throw (that is its job); it must not crash, hang or allocate past the
/// budget libFuzzer's -rss_limit_mb sets.
enum FuzzTarget: String, CaseIterable {
    case scene, npz, manifest, safetensors, runjson, report

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["TUMBLE_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            fatalError("set TUMBLE_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return t
    }()

    /// A private scratch file for the readers that take a path (the manifest and run.json readers).
    static let scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    func run(_ data: Data) {
        switch self {
        case .scene:
            _ = try? Scene(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
        case .npz:
            data.withUnsafeBytes { bytes in
                _ = try? NPZFile.read(bytes: bytes, file: "fuzz.npz")
                _ = try? NPYArray.decode(bytes, file: "fuzz.npy", field: "array")
            }
        case .manifest:
            let url = Self.scratch.appendingPathComponent(DatasetManifest.fileName)
            try? data.write(to: url)
            _ = try? DatasetManifest.read(url)
            _ = try? Dataset(directory: Self.scratch)
        case .safetensors:
            _ = try? SafeTensors.decode([UInt8](data), source: "fuzz.safetensors")
            _ = try? ModelCheckpoint.readContents(data, path: "fuzz.safetensors")
        case .runjson:
            let url = Self.scratch.appendingPathComponent("run.json")
            try? data.write(to: url)
            _ = try? RunRecord.read(url)
        case .report:
            guard let json = try? JSONValue.parse(data) else { return }
            _ = try? EvaluationRun.request(from: json, file: "fuzz.json")
            _ = ReportVerifier().compare(stored: json, rerun: json)
            // A plan report (`tumble plan --verify`): its inputs, and the comparison without wall-clock times.
            _ = try? PlanReportInputs.request(from: json, file: "fuzz.json")
            let untimed = PlanReport.withoutTiming(json)
            _ = ReportVerifier().compare(stored: untimed, rerun: untimed)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzTarget.selected.run(data)
    return 0
}
