import Foundation

/// Builds the clip source for `tumble train` from a scene file (live) or a dataset directory.
enum DataSources {
    static func make(_ data: TrainingData, config: TrainingConfig) throws -> ClipSource {
        switch data {
        case .scene(let name):
            throw RunError.data(source: name, message: "live scene streams are not wired yet")
        case .dataset(let url):
            throw RunError.data(source: url.path, message: "dataset reading is not wired yet")
        }
    }
}
